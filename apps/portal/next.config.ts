import { portcullisNextConfig } from '@portcullis/next/config';

export default portcullisNextConfig();
