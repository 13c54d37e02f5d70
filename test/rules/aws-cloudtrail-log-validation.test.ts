import { awsCloudtrailLogValidation } from "../../src/rules/aws-cloudtrail-log-validation.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsCloudtrailLogValidation);
