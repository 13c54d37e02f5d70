import { gcpStoragePublicAccessPrevention } from "../../src/rules/gcp-storage-public-access-prevention.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(gcpStoragePublicAccessPrevention);
