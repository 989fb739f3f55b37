import { linkTokenSchema } from './account-inputs';

type SearchParams = Record<string, string | string[] | undefined>;

/** The `?token=` of a page opened from a mail's link, when it has one of a plausible length. */
export function linkTokenOf(params: SearchParams): string | undefined {
  const parsed = linkTokenSchema.safeParse(params.token);
  return parsed.success ? parsed.data : undefined;
}
