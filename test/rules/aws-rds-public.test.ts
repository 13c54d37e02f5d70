import { awsRdsPublic } from "../../src/rules/aws-rds-public.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsRdsPublic);
