import { awsKmsRotation } from "../../src/rules/aws-kms-rotation.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsKmsRotation);
