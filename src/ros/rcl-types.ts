/**
 * The part of rclnodejs (2.2.0) that the node uses, typed as its own typings declare it
 * (`types/node.d.ts`, `parameter.d.ts`, `qos.d.ts`, `publisher.d.ts`, `subscription.d.ts`).
 *
 * rclnodejs cannot be installed without a sourced ROS 2, so it is never imported statically:
 * `load-rclnodejs.ts` imports it at run time and the tests inject a stand-in with this shape.
 * Anything the node calls must be declared here, so the stand-in and the real module are held
 * to one contract.
 */

/** `builtin_interfaces/msg/Time`. */
export interface RosTime {
  sec: number;
  nanosec: number;
}

/** `ParameterType` values (rcl_interfaces/msg/ParameterType). */
export interface RclParameterTypeEnum {
  readonly PARAMETER_NOT_SET: number;
  readonly PARAMETER_BOOL: number;
  readonly PARAMETER_INTEGER: number;
  readonly PARAMETER_DOUBLE: number;
  readonly PARAMETER_STRING: number;
}

/** rclnodejs `Parameter`: integer values are held as `bigint`. */
export interface RclParameter {
  readonly name: string;
  readonly type: number;
  readonly value: unknown;
}

export interface RclParameterDescriptor {
  readonly name: string;
  readonly type: number;
  readonly description: string;
  readonly readOnly: boolean;
  additionalConstraints: string;
}

/** `rcl_interfaces/msg/SetParametersResult` as the callbacks return it. */
export interface SetParametersResult {
  successful: boolean;
  reason: string | null;
}

export interface RclQoS {
  history: number;
  depth: number;
  reliability: number;
  durability: number;
}

export interface RclQoSClass {
  new (history?: number, depth?: number, reliability?: number, durability?: number): RclQoS;
  readonly profileDefault: string;
  readonly profileSensorData: string;
  readonly HistoryPolicy: { readonly RMW_QOS_POLICY_HISTORY_KEEP_LAST: number };
  readonly ReliabilityPolicy: {
    readonly RMW_QOS_POLICY_RELIABILITY_RELIABLE: number;
    readonly RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: number;
  };
  readonly DurabilityPolicy: {
    readonly RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: number;
    readonly RMW_QOS_POLICY_DURABILITY_VOLATILE: number;
  };
}

/** Opaque to us: rclnodejs builds the `qos_overrides.<topic>.<entity>.<policy>` parameters from it. */
export type RclQoSOverridingOptions = object;

/** Options of createPublisher / createSubscription. */
export interface RclEntityOptions {
  qos?: RclQoS | string;
  isRaw?: boolean;
  qosOverridingOptions?: RclQoSOverridingOptions;
}

export interface RclPublisher {
  readonly topic: string;
  /** A `Buffer` is published as serialized CDR as it is; anything else is converted by rclnodejs. */
  publish(message: object | Buffer): void;
}

export interface RclSubscription {
  readonly topic: string;
  readonly isRaw: boolean;
}

/** rclnodejs `Response` handed to a service callback (lib/service.js). */
export interface RclServiceResponse {
  readonly template: object;
  send(response: object): void;
}

export interface RclService {
  readonly serviceName: string;
}

/**
 * A service callback: it may answer with response.send(), or return the response object, or a
 * Promise of it (rclnodejs resolves the value and sends it unless send() was called).
 */
export type RclServiceCallback = (request: object, response: RclServiceResponse) => unknown;

export interface RclTimer {
  cancel(): void;
}

export interface RclLogger {
  debug(message: string): boolean;
  info(message: string): boolean;
  warn(message: string): boolean;
  error(message: string): boolean;
}

export interface RclNode {
  name(): string;
  namespace(): string;
  getFullyQualifiedName(): string;
  getLogger(): RclLogger;
  now(): { toMsg(): RosTime };
  resolveTopicName(topicName: string, onlyExpand?: boolean): string;

  createPublisher(typeClass: string, topic: string, options?: RclEntityOptions): RclPublisher;
  /** With `isRaw: true` the callback receives the serialized message as a `Buffer`. */
  createSubscription(
    typeClass: string,
    topic: string,
    options: RclEntityOptions,
    callback: (message: Buffer) => void,
  ): RclSubscription;
  destroySubscription(subscription: RclSubscription): void;
  destroyPublisher(publisher: RclPublisher): void;
  createTimer(period: bigint, callback: () => void): RclTimer;
  /** Throws when rclnodejs has no generated JavaScript for the type. `~/name` is the node's own. */
  createService(
    typeClass: string,
    serviceName: string,
    options: RclEntityOptions | undefined,
    callback: RclServiceCallback,
  ): RclService;
  destroyTimer(timer: RclTimer): void;

  declareParameter(
    parameter: RclParameter,
    descriptor?: RclParameterDescriptor,
    ignoreOverride?: boolean,
  ): RclParameter;
  hasParameter(name: string): boolean;
  getParameter(name: string): RclParameter;
  setParameters(parameters: RclParameter[]): SetParametersResult[];
  setParametersAtomically(parameters: RclParameter[]): SetParametersResult;
  addOnSetParametersCallback(callback: (parameters: RclParameter[]) => SetParametersResult): void;
  addPreSetParametersCallback(callback: (parameters: RclParameter[]) => RclParameter[]): void;
  addPostSetParametersCallback(callback: (parameters: RclParameter[]) => void): void;

  spin(timeout?: number): void;
  destroy(): void;
}

/** `lifecycle.State` (lib/lifecycle.js): a primary or transition state of rcl's state machine. */
export interface RclLifecycleState {
  readonly id: number;
  readonly label: string;
}

/**
 * `lifecycle.TransitionCallback`: runs synchronously inside the transition and must return a
 * `CallbackReturnCode` there and then (rclnodejs does not await a Promise; any other value is
 * taken as ERROR's label). A thrown error becomes ERROR, and then the onError callback runs.
 */
export type RclTransitionCallback = (previousState: RclLifecycleState) => number;

/** `lifecycle.LifecyclePublisher`: publish() does nothing but log a warning unless activated. */
export interface RclLifecyclePublisher extends RclPublisher {
  activate(): void;
  deactivate(): void;
  isActivated(): boolean;
}

/**
 * `lifecycle.LifecycleNode` (types/lifecycle.d.ts): a Node with rcl's lifecycle state machine,
 * served as `~/change_state`, `~/get_state`, `~/get_available_states`,
 * `~/get_available_transitions` and announced on `~/transition_event`. Lifecycle publishers are
 * not switched with the node: the node's callbacks activate and deactivate them.
 */
export interface RclLifecycleNode extends RclNode {
  readonly currentState: RclLifecycleState;
  registerOnConfigure(cb: RclTransitionCallback): void;
  registerOnActivate(cb: RclTransitionCallback): void;
  registerOnDeactivate(cb: RclTransitionCallback): void;
  registerOnCleanup(cb: RclTransitionCallback): void;
  registerOnShutdown(cb: RclTransitionCallback): void;
  registerOnError(cb: RclTransitionCallback): void;
  /** The transitions, as the services trigger them; each throws when invalid from the current state. */
  configure(): RclLifecycleState;
  activate(): RclLifecycleState;
  deactivate(): RclLifecycleState;
  cleanup(): RclLifecycleState;
  shutdown(): RclLifecycleState;
  createLifecyclePublisher(
    typeClass: string,
    topic: string,
    options?: RclEntityOptions,
  ): RclLifecyclePublisher;
}

/** The rclnodejs module object (its default export). */
export interface RclModule {
  init(context?: unknown, argv?: string[]): Promise<void>;
  shutdown(context?: unknown): void;
  isShutdown(): boolean;
  removeSignalHandlers(): void;
  Node: new (nodeName: string, namespace?: string) => RclNode;
  Parameter: new (name: string, type: number, value?: unknown) => RclParameter;
  ParameterDescriptor: new (
    name: string,
    type: number,
    description?: string,
    readOnly?: boolean,
  ) => RclParameterDescriptor;
  ParameterType: RclParameterTypeEnum;
  QoS: RclQoSClass;
  QoSOverridingOptions: { withDefaultPolicies(opts?: object): RclQoSOverridingOptions };
  /** Marked deprecated since 0.18 in favour of `new lifecycle.LifecycleNode(...)`; same arguments. */
  createLifecycleNode(nodeName: string, namespace?: string): RclLifecycleNode;
  lifecycle: {
    /** TRANSITION_CALLBACK_SUCCESS / FAILURE / ERROR of lifecycle_msgs/msg/Transition (97, 98, 99). */
    CallbackReturnCode: {
      readonly SUCCESS: number;
      readonly FAILURE: number;
      readonly ERROR: number;
    };
  };
}
