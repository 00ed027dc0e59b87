/** CDK app entry (cdk.json: `npx tsx infra/app.ts`): settings come from CDK context; see infra/README.md. */
import { buildApp } from './build-app.ts';

buildApp().app.synth();
