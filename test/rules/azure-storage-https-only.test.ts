import { azureStorageHttpsOnly } from "../../src/rules/azure-storage-https-only.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(azureStorageHttpsOnly);
