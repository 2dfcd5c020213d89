// The committed schema's types these pages use, under short names.
import type { components } from "../../../../clients/typescript/src/schema";

type Schemas = components["schemas"];
export type Run = Schemas["DuctusApiFeaturesRunsRun"];
/** The snapshot of an input dataset a model's run read. */
export type RunInput = Schemas["DuctusApiFeaturesRunsPinnedInput"];
/** How a model's run built its output: incrementally or in full, and why. */
export type ModelBuild = Schemas["DuctusApiFeaturesRunsModelBuild"];
export type RunList = Schemas["DuctusApiFeaturesRunsListResponse"];
export type Reject = Schemas["DuctusApiFeaturesRunsRejectsReject"];
export type RejectPage = Schemas["DuctusApiFeaturesRunsRejectsResponse"];
export type Pipeline = Schemas["DuctusApiFeaturesPipelinesPipeline"];
export type ApiKey = Schemas["DuctusApiAuthApiClient"];
export type CreatedKey = Schemas["DuctusApiFeaturesKeysCreateResponse"];
export type Workspace = Schemas["DuctusApiFeaturesWorkspacesListWorkspace"];
export type CreatedWorkspace = Schemas["DuctusApiFeaturesWorkspacesCreateResponse"];
export type AuditPage = Schemas["DuctusApiFeaturesAuditListResponse"];
export type AuditEntry = Schemas["DuctusApiFeaturesAuditListEntry"];
