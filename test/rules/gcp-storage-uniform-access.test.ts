import { gcpStorageUniformAccess } from "../../src/rules/gcp-storage-uniform-access.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(gcpStorageUniformAccess);
