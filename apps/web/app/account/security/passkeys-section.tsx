'use client';

import type { Passkey } from '@portcullis/contracts';
import type { ActionResult } from '@portcullis/next';
import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useRetryableAction } from '../../admin/use-retryable-action';
import { addPasskey, passkeyOptions, removePasskey } from './actions';
import { ChangeProblem } from './step-up-retry';

function when(at: number | null): string {
  return at === null ? 'Never' : `${new Date(at).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}

function PasskeyRow({ passkey, appOrigin }: { passkey: Passkey; appOrigin: string }) {
  const remove = useRetryableAction(removePasskey);
  return (
    <tr data-passkey-name={passkey.name}>
      <td>{passkey.name}</td>
      <td>{when(passkey.createdAt)}</td>
      <td>{when(passkey.lastUsedAt)}</td>
      <td>{passkey.deviceType === 'multiDevice' ? 'Synced' : 'This device only'}</td>
      <td>
        <form action={remove.formAction} className="inline">
          <input type="hidden" name="id" value={passkey.id} />
          <button type="submit" disabled={remove.pending} aria-label={`Remove passkey ${passkey.name}`}>
            Remove
          </button>
        </form>
        <ChangeProblem state={remove.state} appOrigin={appOrigin} retry={remove.retry} />
      </td>
    </tr>
  );
}

/**
 * The user's passkeys (WebAuthn L3): named, when last used, removable; a new one is created by this browser's
 * authenticator (a phone, a laptop's fingerprint reader, a security key) with user verification.
 */
export function PasskeysSection({ passkeys, appOrigin }: { passkeys: readonly Passkey[]; appOrigin: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [state, setState] = useState<ActionResult<null> | null>(null);
  const [last, setLast] = useState<string | null>(null);

  async function add(name: string): Promise<void> {
    setPending(true);
    setState(null);
    setLast(name);
    try {
      const options = await passkeyOptions({});
      if (!options.ok) return setState(options);
      const optionsJSON = JSON.parse(options.data.optionsJSON) as PublicKeyCredentialCreationOptionsJSON;
      // A cancelled prompt, or no authenticator for it in this browser: nothing was created.
      const response = await startRegistration({ optionsJSON }).catch(() => null);
      if (response === null) return setState({ ok: false, error: 'invalid_input', message: 'No passkey was created. Try again, or use another device.' });
      const added = await addPasskey({ name, response: JSON.stringify(response) });
      setState(added);
      if (added.ok) router.refresh();
    } finally {
      setPending(false);
    }
  }

  function onSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    void add(name);
  }

  return (
    <section aria-labelledby="passkeys-heading" className="stack">
      <h2 id="passkeys-heading">Passkeys</h2>
      <p>Sign in with your fingerprint, face or screen lock instead of a code: no password to type, nothing to phish.</p>
      {passkeys.length === 0 ? (
        <p>No passkeys yet.</p>
      ) : (
        <table aria-label="Your passkeys">
          <thead>
            <tr>
              <th>Name</th>
              <th>Added</th>
              <th>Last used</th>
              <th>Kind</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {passkeys.map((passkey) => (
              <PasskeyRow key={passkey.id} passkey={passkey} appOrigin={appOrigin} />
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={onSubmit} className="stack">
        <label>
          Passkey name
          <input name="name" maxLength={64} required defaultValue="My passkey" />
        </label>
        <button type="submit" disabled={pending}>
          Add a passkey
        </button>
      </form>
      {state?.ok ? <p role="status">Passkey added.</p> : null}
      <ChangeProblem state={state} appOrigin={appOrigin} retry={() => (last === null ? undefined : void add(last))} />
    </section>
  );
}
