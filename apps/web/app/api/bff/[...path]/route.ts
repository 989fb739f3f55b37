import { lazyBffRoute } from '@portcullis/next';
import { auth } from '../../../../lib/auth';

// Browser code calls the user-service through here without ever holding a token.
export const { GET, POST, PATCH, DELETE } = lazyBffRoute(auth);
