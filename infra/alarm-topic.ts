import { RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";

export interface AlarmTopicProps {
  /** @example "agentcron-dev-alarms" */
  readonly topicName: string;
  /** Alarms allowed to publish, as an alarm-name pattern (`agentcron-dev-*`). */
  readonly alarmNamePattern: string;
  /** What happens to the key when the stack is deleted. @default RemovalPolicy.DESTROY */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

/**
 * The SNS topic every alarm publishes to (ALARM and OK), for alarm consumers to subscribe to.
 *
 * Encrypted with its own KMS key: CloudWatch cannot publish to a topic encrypted with the
 * AWS-managed aws/sns key (its key policy cannot be changed to let CloudWatch use it), so the key
 * policy here grants CloudWatch — for this account's alarms of this stage only — what publishing
 * needs. The topic policy denies non-TLS requests and lets those same alarms publish.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarms = `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${props.alarmNamePattern}`;
    const fromTheseAlarms = {
      ArnLike: { "aws:SourceArn": alarms },
      StringEquals: { "aws:SourceAccount": stack.account },
    };

    this.key = new kms.Key(this, "Key", {
      description: `Encrypts ${props.topicName}`,
      enableKeyRotation: true,
      removalPolicy: props.keyRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        // In a key policy "*" means this key.
        resources: ["*"],
        conditions: fromTheseAlarms,
      }),
    );

    this.topic = new sns.Topic(this, "Topic", {
      topicName: props.topicName,
      displayName: props.topicName,
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: fromTheseAlarms,
      }),
    );
  }
}
