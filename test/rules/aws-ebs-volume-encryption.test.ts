import { awsEbsVolumeEncryption } from "../../src/rules/aws-ebs-volume-encryption.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsEbsVolumeEncryption);
