// The fields the baseline's callbacks add to NextAuth's user, JWT and session (module augmentation, as published).
import 'next-auth';
import 'next-auth/jwt';

declare module 'next-auth' {
  interface User {
    accessToken: string;
    refreshToken: string;
    /** When the access token expires (epoch ms). */
    expires: number;
  }
  interface Session {
    accessToken?: string;
    error?: 'RefreshAccessTokenError';
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    accessToken: string;
    refreshToken: string;
    /** When the access token expires (epoch ms). */
    expires: number;
    error?: 'RefreshAccessTokenError';
  }
}
