/** Recovery codes just issued: shown once, never again (the service keeps only their hashes). */
export function RecoveryCodeList({ codes }: { codes: readonly string[] }) {
  return (
    <div className="stack">
      <p role="status">Save these recovery codes somewhere safe. Each works once, and they are not shown again.</p>
      <ol aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
    </div>
  );
}
