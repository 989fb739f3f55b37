import type { Metadata } from 'next';
import { linkTokenOf } from '../../lib/link-token';
import { IncompleteLink } from '../incomplete-link';
import { AcceptInvitationForm } from './accept-invitation-form';

export const metadata: Metadata = { title: 'Accept your invitation — Portcullis' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** From the invitation mail's link. The proxy answers `Referrer-Policy: no-referrer` for it: the token stays here. */
export default async function AcceptInvitationPage({ searchParams }: { searchParams: SearchParams }) {
  const token = linkTokenOf(await searchParams);
  return (
    <main>
      <h1>Accept your invitation</h1>
      {token === undefined ? <IncompleteLink>ask the person who invited you to send a new invitation.</IncompleteLink> : <AcceptInvitationForm token={token} />}
    </main>
  );
}
