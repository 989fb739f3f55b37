import type { ReactElement } from 'react';

// A link ends before whitespace, and before punctuation that closes the sentence around it.
const WEB_LINK = /https?:\/\/[^\s<>"]*[^\s<>".,;:!?)]/g;

/** A message's text in pieces: plain text, and the http(s) links in it, so a person can click through the flow. */
export function mailTextParts(text: string): Array<{ kind: 'text' | 'link'; value: string }> {
  const parts: Array<{ kind: 'text' | 'link'; value: string }> = [];
  let at = 0;
  for (const match of text.matchAll(WEB_LINK)) {
    if (match.index > at) parts.push({ kind: 'text', value: text.slice(at, match.index) });
    parts.push({ kind: 'link', value: match[0] });
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push({ kind: 'text', value: text.slice(at) });
  return parts;
}

/** The plain-text body as sent, links clickable; the HTML part is not rendered here, so nothing in a message runs. */
export function MailText({ text }: { text: string }): ReactElement {
  return (
    <pre className="mail-text">
      {mailTextParts(text).map((part, index) =>
        part.kind === 'link' ? (
          <a key={index} href={part.value} rel="noreferrer">
            {part.value}
          </a>
        ) : (
          part.value
        ),
      )}
    </pre>
  );
}
