/** NextAuth's id of the single sign-on provider: the callback is `/api/auth/callback/portcullis`, registered at the provider. */
export const OIDC_PROVIDER_ID = 'portcullis';
