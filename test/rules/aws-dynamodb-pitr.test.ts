import { awsDynamodbPitr } from "../../src/rules/aws-dynamodb-pitr.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsDynamodbPitr);
