import { awsEc2Imdsv2 } from "../../src/rules/aws-ec2-imdsv2.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsEc2Imdsv2);
