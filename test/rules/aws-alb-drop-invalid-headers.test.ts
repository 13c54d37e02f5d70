import { awsAlbDropInvalidHeaders } from "../../src/rules/aws-alb-drop-invalid-headers.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsAlbDropInvalidHeaders);
