import { azureStoragePublicNestedItems } from "../../src/rules/azure-storage-public-nested-items.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(azureStoragePublicNestedItems);
