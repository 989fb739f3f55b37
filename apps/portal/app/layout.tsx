import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { connection } from 'next/server';
// One stylesheet for both apps (apps/shared): they look alike on purpose.
import '../../shared/globals.css';

export const metadata: Metadata = { title: 'Portcullis Portal', robots: { index: false } };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request: the CSP nonce differs each time and pages show the caller's data.
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
