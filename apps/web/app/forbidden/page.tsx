import { forbidden } from 'next/navigation';

// `/forbidden` itself answers 403 by rendering the forbidden boundary.
export default function ForbiddenPage(): never {
  forbidden();
}
