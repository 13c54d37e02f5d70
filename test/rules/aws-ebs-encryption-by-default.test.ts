import { awsEbsEncryptionByDefault } from "../../src/rules/aws-ebs-encryption-by-default.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsEbsEncryptionByDefault);
