import { fileURLToPath } from 'node:url';
import { portcullisNextConfig } from '@portcullis/next/config';

// This app lives in the monorepo's apps/ folder: Turbopack resolves the linked @portcullis/* packages from its root.
export default portcullisNextConfig({ workspaceRoot: fileURLToPath(new URL('../..', import.meta.url)) });
