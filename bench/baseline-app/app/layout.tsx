import type { ReactNode } from 'react';

export const metadata = { title: 'Benchmark baseline (naive refresh, not product code)', robots: { index: false } };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
