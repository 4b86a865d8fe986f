/**
 * A stand-in for the part of rclnodejs 2.2.0 the node uses, with the same names, argument
 * shapes and callback contracts (read from rclnodejs's types/*.d.ts and lib/node.js,
 * lib/parameter.js, lib/qos.js, lib/qos_overriding_options.js, lib/publisher.js): an
 * in-process graph with ROS name resolution and remapping, `--ros-args` parameter overrides,
 * QoS matching (reliability, transient local), raw and converted subscriptions, rclnodejs's
 * parameter pipeline (pre-set, descriptor checks, set callbacks, post-set) with its reasons,
 * and timers.
 *
 * Managed nodes (createLifecycleNode) and their lifecycle services are lifecycle-standin.ts's;
 * tests call services through `callService`, as a client in another process would.
 *
 * It reproduces a bug seen with rclnodejs 2.2.0 on a real Humble graph: `publish(object)` reads
 * a `uint8[]` field given as a typed-array view with a non-zero byteOffset from the start of the
 * view's ArrayBuffer, so subscribers receive the wrong bytes; `publish(Buffer)` of CDR arrives
 * intact. A node that published objects with such views would fail the tests here as it fails
 * on a real graph.
 */
import { codecFor } from "../../../src/messages/index.js";
import type {
  RclEntityOptions,
  RclLogger,
  RclModule,
  RclNode,
  RclParameter,
  RclParameterDescriptor,
  RclPublisher,
  RclQoS,
  RclService,
  RclServiceCallback,
  RclServiceResponse,
  RclSubscription,
  RclTimer,
  RosTime,
  SetParametersResult,
} from "../../../src/ros/rcl-types.js";
import {
  CallbackReturnCode,
  makeLifecycle,
  type ServiceHandler,
  type TransitionEvent,
} from "./lifecycle-standin.js";
import { PARAMETER_TYPE, parseRosArgs, type RosArgs } from "./ros-args.js";

// ---------------------------------------------------------------------------------------------
// QoS (lib/qos.js)

const HistoryPolicy = {
  RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT: 0,
  RMW_QOS_POLICY_HISTORY_KEEP_LAST: 1,
  RMW_QOS_POLICY_HISTORY_KEEP_ALL: 2,
} as const;
const ReliabilityPolicy = {
  RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT: 0,
  RMW_QOS_POLICY_RELIABILITY_RELIABLE: 1,
  RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: 2,
} as const;
const DurabilityPolicy = {
  RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT: 0,
  RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: 1,
  RMW_QOS_POLICY_DURABILITY_VOLATILE: 2,
} as const;

export class QoS implements RclQoS {
  static readonly profileDefault = "qos_profile_default";
  static readonly profileSystemDefault = "qos_profile_system_default";
  static readonly profileSensorData = "qos_profile_sensor_data";
  static readonly profileParameters = "qos_profile_parameters";
  static readonly HistoryPolicy = HistoryPolicy;
  static readonly ReliabilityPolicy = ReliabilityPolicy;
  static readonly DurabilityPolicy = DurabilityPolicy;
  constructor(
    public history: number = HistoryPolicy.RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT,
    public depth: number = 0,
    public reliability: number = ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT,
    public durability: number = DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT,
  ) {}
}

/** `_resolveQoS` of lib/qos_overriding_options.js (values of rmw's qos_profiles.h). */
export function resolveQoS(qos: RclQoS | string | undefined): QoS {
  if (qos && typeof qos === "object")
    return new QoS(qos.history, qos.depth, qos.reliability, qos.durability);
  const keepLast = HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST;
  const reliable = ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_RELIABLE;
  const volatile = DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_VOLATILE;
  switch (qos) {
    case QoS.profileSensorData:
      return new QoS(
        keepLast,
        5,
        ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
        volatile,
      );
    case QoS.profileParameters:
      return new QoS(keepLast, 1000, reliable, volatile);
    case QoS.profileSystemDefault:
      return new QoS(0, 0, 0, 0);
    default:
      return new QoS(keepLast, 10, reliable, volatile);
  }
}

const POLICY_NAMES: Record<string, Record<string, number>> = {
  history: { system_default: 0, keep_last: 1, keep_all: 2 },
  reliability: { system_default: 0, reliable: 1, best_effort: 2 },
};

class QoSOverridingOptions {
  constructor(readonly policyKinds: readonly string[]) {}
  static withDefaultPolicies(): QoSOverridingOptions {
    return new QoSOverridingOptions(["history", "depth", "reliability"]);
  }
}

// ---------------------------------------------------------------------------------------------
// Parameters (lib/parameter.js)

class ParameterError extends Error {}

export class Parameter implements RclParameter {
  private readonly _value: unknown;
  constructor(
    readonly name: string,
    readonly type: number,
    value?: unknown,
  ) {
    this._value =
      type === PARAMETER_TYPE.PARAMETER_INTEGER ? BigInt(value as number | bigint) : value;
    this.validate();
  }
  get value(): unknown {
    return this._value;
  }
  validate(): void {
    if (!this.name || this.name.trim() === "")
      throw new ParameterError("name must be a non-empty string");
    if (!Number.isInteger(this.type) || this.type < 0 || this.type > 9) {
      throw new ParameterError(`Invalid parameter type ${this.type}`);
    }
    const v = this._value;
    let ok: boolean;
    switch (this.type) {
      case PARAMETER_TYPE.PARAMETER_NOT_SET:
        ok = v == null;
        break;
      case PARAMETER_TYPE.PARAMETER_BOOL:
        ok = typeof v === "boolean";
        break;
      case PARAMETER_TYPE.PARAMETER_INTEGER:
        ok = typeof v === "bigint";
        break;
      case PARAMETER_TYPE.PARAMETER_DOUBLE:
        ok = typeof v === "number";
        break;
      case PARAMETER_TYPE.PARAMETER_STRING:
        ok = typeof v === "string";
        break;
      default:
        ok = Array.isArray(v);
    }
    if (!ok)
      throw new ParameterError(
        `Parameter ${this.name}: value ${String(v)} does not match type ${this.type}`,
      );
  }
}

export class ParameterDescriptor implements RclParameterDescriptor {
  additionalConstraints = "";
  range: {
    fromValue: number | bigint;
    toValue: number | bigint;
    inRange(v: unknown): boolean;
  } | null = null;
  constructor(
    readonly name: string,
    readonly type: number = PARAMETER_TYPE.PARAMETER_NOT_SET,
    readonly description = "no description",
    readonly readOnly = false,
  ) {}
  static fromParameter(p: RclParameter): ParameterDescriptor {
    return new ParameterDescriptor(p.name, p.type, "Created from parameter.");
  }
  validateParameter(p: Parameter): void {
    p.validate();
    if (this.name !== p.name) throw new ParameterError("Name mismatch");
    if (this.type !== p.type)
      throw new ParameterError(`Type mismatch: expected ${this.type}, got ${p.type}`);
    if (this.range && !this.range.inRange(p.value)) throw new ParameterError("out of range");
  }
}

// ---------------------------------------------------------------------------------------------
// The graph

interface Endpoint {
  node: StandinNode;
  type: string;
  topic: string;
  qos: QoS;
}

interface PublisherRecord extends Endpoint {
  /** Last `depth` messages, kept for late transient-local subscribers. */
  history: Buffer[];
  destroyed: boolean;
}

interface SubscriptionRecord extends Endpoint {
  isRaw: boolean;
  callback: (message: never) => void;
  destroyed: boolean;
}

/** One call of Publisher.publish, as the stand-in saw it. */
export interface PublishCall {
  node: string;
  topic: string;
  type: string;
  /** "buffer": serialized CDR handed over as a Buffer; "object": converted by rclnodejs. */
  kind: "buffer" | "object";
}

export interface LogLine {
  node: string;
  level: "debug" | "info" | "warn" | "error";
  message: string;
}

function compatible(pub: QoS, sub: QoS): boolean {
  const { RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: BE, RMW_QOS_POLICY_RELIABILITY_RELIABLE: REL } =
    ReliabilityPolicy;
  if (pub.reliability === BE && sub.reliability === REL) return false;
  const { RMW_QOS_POLICY_DURABILITY_VOLATILE: VOL, RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: TL } =
    DurabilityPolicy;
  if (pub.durability === VOL && sub.durability === TL) return false;
  return true;
}

/** What rclnodejs's typed-array conversion does with a `uint8[]` view that does not start its buffer. */
function withByteOffsetBug(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return value.byteOffset === 0 ? value : new Uint8Array(value.buffer, 0, value.length);
  }
  if (Array.isArray(value)) return value.map(withByteOffsetBug);
  if (value && typeof value === "object" && !ArrayBuffer.isView(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      out[k] = withByteOffsetBug(v);
    return out;
  }
  return value;
}

/** A Buffer over its own memory, as rclnodejs's Napi::Buffer::Copy hands raw messages to callbacks. */
function freshBuffer(bytes: Uint8Array): Buffer {
  const copy = Buffer.alloc(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

class StandinContext {
  initialized = false;
  shutdownDone = false;
  args: RosArgs = { remaps: [], params: new Map() };
  readonly publishers: PublisherRecord[] = [];
  readonly subscriptions: SubscriptionRecord[] = [];
  readonly nodes: StandinNode[] = [];
  readonly publishCalls: PublishCall[] = [];
  readonly logs: LogLine[] = [];
  readonly services = new Map<string, ServiceHandler>();
  readonly transitionEvents: TransitionEvent[] = [];
  echoLogs = false;
}

type SetCallback = (ps: RclParameter[]) => SetParametersResult;
type PreCallback = (ps: RclParameter[]) => RclParameter[];
type PostCallback = (ps: RclParameter[]) => void;

export class StandinNode implements RclNode {
  private readonly _name: string;
  private readonly _namespace: string;
  private readonly parameters = new Map<string, RclParameter>();
  private readonly descriptors = new Map<string, ParameterDescriptor>();
  private readonly overrides = new Map<string, Parameter>();
  private readonly setCallbacks: SetCallback[] = [];
  private readonly preCallbacks: PreCallback[] = [];
  private readonly postCallbacks: PostCallback[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  spinning = false;
  destroyed = false;

  constructor(
    private readonly ctx: StandinContext,
    nodeName: string,
    namespace = "",
  ) {
    if (!ctx.initialized || ctx.shutdownDone)
      throw new Error("The context is not initialized; call init() first.");
    let name = nodeName;
    let ns = namespace;
    for (const r of ctx.args.remaps) {
      if (r.node !== undefined && r.node !== nodeName) continue;
      if (r.from === "__node" || r.from === "__name") name = r.to;
      if (r.from === "__ns") ns = r.to;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Invalid node name "${name}"`);
    ns = ns === "" ? "/" : ns.startsWith("/") ? ns : `/${ns}`;
    if (ns.length > 1 && ns.endsWith("/")) ns = ns.slice(0, -1);
    this._name = name;
    this._namespace = ns;
    // Node._getNativeParameterOverrides: the global rule "/**", then rules for this node's name.
    for (const key of ["/**", this._name]) {
      for (const o of ctx.args.params.get(key) ?? [])
        this.overrides.set(o.name, new Parameter(o.name, o.type, o.value));
    }
    ctx.nodes.push(this);
    // TimeSource declares use_sim_time on every node.
    this.declareParameter(new Parameter("use_sim_time", PARAMETER_TYPE.PARAMETER_BOOL, false));
  }

  name(): string {
    return this._name;
  }
  namespace(): string {
    return this._namespace;
  }
  getFullyQualifiedName(): string {
    return this._namespace === "/" ? `/${this._name}` : `${this._namespace}/${this._name}`;
  }
  getLogger(): RclLogger {
    const line = (level: LogLine["level"]) => (message: string) => {
      this.ctx.logs.push({ node: this.getFullyQualifiedName(), level, message });
      if (this.ctx.echoLogs) process.stderr.write(`[${level}] [${this._name}]: ${message}\n`);
      return true;
    };
    return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
  }
  now(): { toMsg(): RosTime } {
    const ns = BigInt(Date.now()) * 1_000_000n;
    return {
      toMsg: () => ({ sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) }),
    };
  }

  private expand(topic: string): string {
    if (topic.startsWith("~")) return this.getFullyQualifiedName() + topic.slice(1);
    if (topic.startsWith("/")) return topic;
    return this._namespace === "/" ? `/${topic}` : `${this._namespace}/${topic}`;
  }

  resolveTopicName(topicName: string, onlyExpand = false): string {
    const expanded = this.expand(topicName);
    if (onlyExpand) return expanded;
    for (const r of this.ctx.args.remaps) {
      if (r.from.startsWith("__")) continue;
      if (r.node !== undefined && r.node !== this._name) continue;
      if (this.expand(r.from) === expanded) return this.expand(r.to);
    }
    return expanded;
  }

  private checkAlive(): void {
    if (this.destroyed) throw new Error(`node ${this.getFullyQualifiedName()} has been destroyed`);
  }

  createPublisher(typeClass: string, topic: string, options: RclEntityOptions = {}): RclPublisher {
    this.checkAlive();
    const codec = codecFor(typeClass); // like rclnodejs, an unknown type fails here
    const record: PublisherRecord = {
      node: this,
      type: typeClass,
      topic: this.resolveTopicName(topic),
      qos: resolveQoS(options.qos),
      history: [],
      destroyed: false,
    };
    this.ctx.publishers.push(record);
    const ctx = this.ctx;
    const deliver = (bytes: Buffer) => {
      if (record.destroyed || this.destroyed)
        throw new Error(`publisher on ${record.topic} has been destroyed`);
      if (record.qos.durability === DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL) {
        record.history.push(bytes);
        if (record.history.length > Math.max(1, record.qos.depth)) record.history.shift();
      }
      for (const sub of ctx.subscriptions) {
        if (
          !sub.destroyed &&
          sub.topic === record.topic &&
          sub.type === record.type &&
          compatible(record.qos, sub.qos)
        ) {
          deliverTo(sub, bytes);
        }
      }
    };
    const publisher = {
      topic: record.topic,
      publish: (message: object | Buffer): void => {
        if (message instanceof Buffer) {
          ctx.publishCalls.push({
            node: this.getFullyQualifiedName(),
            topic: record.topic,
            type: typeClass,
            kind: "buffer",
          });
          deliver(freshBuffer(message));
          return;
        }
        ctx.publishCalls.push({
          node: this.getFullyQualifiedName(),
          topic: record.topic,
          type: typeClass,
          kind: "object",
        });
        deliver(freshBuffer(codec.encode(withByteOffsetBug(message))));
      },
      record,
    };
    return publisher;
  }

  createSubscription(
    typeClass: string,
    topic: string,
    options: RclEntityOptions,
    callback: (message: Buffer) => void,
  ): RclSubscription {
    this.checkAlive();
    codecFor(typeClass);
    const resolved = this.resolveTopicName(topic);
    const qos = resolveQoS(options.qos);
    if (options.qosOverridingOptions)
      this.declareQosParameters("subscription", resolved, qos, options.qosOverridingOptions);
    const record: SubscriptionRecord = {
      node: this,
      type: typeClass,
      topic: resolved,
      qos,
      isRaw: options.isRaw ?? false,
      callback: callback as (m: never) => void,
      destroyed: false,
    };
    this.ctx.subscriptions.push(record);
    for (const pub of this.ctx.publishers) {
      if (
        !pub.destroyed &&
        pub.topic === resolved &&
        pub.type === typeClass &&
        qos.durability === DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL &&
        compatible(pub.qos, qos)
      ) {
        for (const bytes of pub.history) deliverTo(record, bytes);
      }
    }
    return { topic: resolved, isRaw: record.isRaw, record } as RclSubscription;
  }

  /** declareQosParameters of lib/qos_overriding_options.js. */
  private declareQosParameters(entity: string, topic: string, qos: QoS, options: object): void {
    const kinds = (options as QoSOverridingOptions).policyKinds ?? [];
    for (const kind of kinds) {
      const name = `qos_overrides.${topic}.${entity}.${kind}`;
      const isDepth = kind === "depth";
      const type = isDepth ? PARAMETER_TYPE.PARAMETER_INTEGER : PARAMETER_TYPE.PARAMETER_STRING;
      const current = (qos as unknown as Record<string, number>)[kind];
      const value = isDepth
        ? BigInt(current)
        : (Object.entries(POLICY_NAMES[kind]).find(([, v]) => v === current)?.[0] ??
          String(current));
      let param: RclParameter;
      try {
        param = this.declareParameter(
          new Parameter(name, type, value),
          new ParameterDescriptor(name, type, `QoS override for ${kind}`, true),
        );
      } catch (err) {
        if (!this.hasParameter(name)) throw err;
        param = this.getParameter(name);
      }
      if (param.value !== value) {
        if (isDepth) qos.depth = Number(param.value);
        else {
          const v = POLICY_NAMES[kind][String(param.value).toLowerCase()];
          if (v === undefined)
            throw new Error(`Unknown QoS policy value: "${String(param.value)}"`);
          (qos as unknown as Record<string, number>)[kind] = v;
        }
      }
    }
  }

  destroySubscription(subscription: RclSubscription): void {
    const record = (subscription as unknown as { record: SubscriptionRecord }).record;
    record.destroyed = true;
    const i = this.ctx.subscriptions.indexOf(record);
    if (i >= 0) this.ctx.subscriptions.splice(i, 1);
  }
  destroyPublisher(publisher: RclPublisher): void {
    const record = (publisher as unknown as { record: PublisherRecord }).record;
    record.destroyed = true;
    const i = this.ctx.publishers.indexOf(record);
    if (i >= 0) this.ctx.publishers.splice(i, 1);
  }

  createTimer(period: bigint, callback: () => void): RclTimer {
    this.checkAlive();
    const handle = setInterval(callback, Math.max(1, Number(period / 1_000_000n)));
    this.timers.add(handle);
    return {
      cancel: () => {
        clearInterval(handle);
        this.timers.delete(handle);
      },
    };
  }
  destroyTimer(timer: RclTimer): void {
    timer.cancel();
  }

  /**
   * Node.createService and Service.processRequest: the callback gets the request and a
   * Response; its return value (or what a returned Promise resolves to) is sent unless it called
   * send(). Only `std_srvs/srv/*` types are known here, as generated interfaces would be.
   */
  createService(
    typeClass: string,
    serviceName: string,
    _options: RclEntityOptions | undefined,
    callback: RclServiceCallback,
  ): RclService {
    this.checkAlive();
    if (!/^std_srvs\/srv\/(Trigger|Empty|SetBool)$/.test(typeClass))
      throw new Error(`The message required does not exist: ${typeClass}`);
    const name = this.resolveTopicName(serviceName);
    if (this.ctx.services.has(name)) throw new Error(`service ${name} already exists`);
    this.ctx.services.set(name, async (request) => {
      let sent: object | undefined;
      const response: RclServiceResponse = {
        template: {},
        send: (r) => {
          sent = r;
        },
      };
      const returned = (await callback(request, response)) as object | undefined;
      return (sent ?? returned ?? {}) as Record<string, unknown>;
    });
    return { serviceName: name };
  }

  // --- parameters, as lib/node.js does them ---

  declareParameter(
    parameter: RclParameter,
    descriptor?: RclParameterDescriptor,
    ignoreOverride = false,
  ): RclParameter {
    const p =
      !ignoreOverride && this.overrides.has(parameter.name)
        ? this.overrides.get(parameter.name)!
        : parameter;
    if (this.parameters.has(p.name)) throw new Error(`Parameter(${p.name}) already declared.`);
    const d =
      (descriptor as ParameterDescriptor | undefined) ?? ParameterDescriptor.fromParameter(p);
    this.descriptors.set(d.name, d);
    const result = this.setAtomically([p], true);
    if (!result.successful) {
      this.descriptors.delete(d.name);
      throw new Error(result.reason ?? "");
    }
    return this.getParameter(p.name);
  }
  hasParameter(name: string): boolean {
    return this.parameters.has(name);
  }
  getParameter(name: string): RclParameter {
    const p = this.parameters.get(name);
    if (!p) throw new Error(`Parameter ${name} has not been declared`);
    return p;
  }
  getParameterDescriptor(name: string): ParameterDescriptor | undefined {
    return this.descriptors.get(name);
  }
  setParameters(parameters: RclParameter[]): SetParametersResult[] {
    return parameters.map((p) => this.setAtomically([p]));
  }
  setParametersAtomically(parameters: RclParameter[]): SetParametersResult {
    return this.setAtomically(parameters);
  }
  addOnSetParametersCallback(callback: SetCallback): void {
    this.setCallbacks.unshift(callback);
  }
  addPreSetParametersCallback(callback: PreCallback): void {
    this.preCallbacks.unshift(callback);
  }
  addPostSetParametersCallback(callback: PostCallback): void {
    this.postCallbacks.unshift(callback);
  }

  private setAtomically(parameters: RclParameter[], declareMode = false): SetParametersResult {
    let ps = parameters;
    for (const cb of this.preCallbacks) {
      ps = cb(ps);
      if (!Array.isArray(ps))
        return {
          successful: false,
          reason: "pre-set parameters callback must return an array of Parameters",
        };
      if (ps.length === 0)
        return {
          successful: false,
          reason: "parameter list is empty after pre-set callback; set rejected",
        };
    }
    for (const p of ps) {
      try {
        (p as Parameter).validate();
      } catch {
        return { successful: false, reason: `Invalid ${p.name}` };
      }
      const d = this.descriptors.get(p.name);
      if (!d) return { successful: false, reason: `Parameter ${p.name} has not been declared` };
      if (!declareMode && d.readOnly)
        return { successful: false, reason: `Parameter ${p.name} is readonly` };
      try {
        d.validateParameter(p as Parameter);
      } catch {
        // rclnodejs 2.2.0's wording, verbatim.
        return { successful: false, reason: `Parameter ${p.name} does not  readonly` };
      }
    }
    for (const cb of this.setCallbacks) {
      const result = cb(ps);
      if (!result.successful) return result;
    }
    for (const p of ps) this.parameters.set(p.name, p);
    for (const cb of this.postCallbacks) cb(ps);
    return { successful: true, reason: "" };
  }

  spin(): void {
    if (this.spinning) throw new Error("The node is already spinning.");
    this.spinning = true;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.spinning = false;
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    for (const list of [this.ctx.publishers, this.ctx.subscriptions] as Endpoint[][]) {
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i].node === this) {
          (list[i] as PublisherRecord).destroyed = true;
          list.splice(i, 1);
        }
      }
    }
    const i = this.ctx.nodes.indexOf(this);
    if (i >= 0) this.ctx.nodes.splice(i, 1);
    const prefix = `${this.getFullyQualifiedName()}/`;
    for (const name of [...this.ctx.services.keys()])
      if (name.startsWith(prefix)) this.ctx.services.delete(name);
  }
}

function deliverTo(sub: SubscriptionRecord, bytes: Buffer): void {
  // The executor calls back later, never inside publish().
  setImmediate(() => {
    if (sub.destroyed || sub.node.destroyed) return;
    const copy = freshBuffer(bytes);
    const message = sub.isRaw ? copy : codecFor(sub.type).decode(copy);
    (sub.callback as (m: unknown) => void)(message);
  });
}

export interface RclStandin extends RclModule {
  /** Every publish() call, in order. */
  readonly publishCalls: PublishCall[];
  /** Every line logged by the stand-in's nodes. */
  readonly logs: LogLine[];
  /** Subscriptions in the graph now: topic, type, QoS, raw or not, owner. */
  subscriptionsOn(topic: string): { node: string; type: string; qos: QoS; isRaw: boolean }[];
  publishersOn(topic: string): { node: string; type: string; qos: QoS }[];
  nodeNames(): string[];
  parameterDescriptor(node: RclNode, name: string): ParameterDescriptor | undefined;
  /** Print log lines to stderr as they come (for debugging a test). */
  echoLogs(on: boolean): void;
  /**
   * Calls a service as a client in another process would: answered on a later turn of the
   * event loop by the spinning node that serves it. Rejects when nobody serves the name, the
   * node does not spin, or the handler threw (a real client would wait for an answer that never
   * comes).
   */
  callService(name: string, request?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Every lifecycle transition event published, in order. */
  readonly transitionEvents: TransitionEvent[];
}

/** A fresh, uninitialised stand-in: one process's rclnodejs with its own graph (tests share one per process, see helpers.ts). */
export function createRclStandin(): RclStandin {
  const ctx = new StandinContext();
  class Node extends StandinNode {
    constructor(nodeName: string, namespace?: string) {
      super(ctx, nodeName, namespace);
    }
  }
  return {
    async init(_context?: unknown, argv: string[] = process.argv): Promise<void> {
      if (ctx.initialized && !ctx.shutdownDone)
        throw new Error("The context has already been initialized.");
      if (!Array.isArray(argv) || !argv.every((a) => typeof a === "string")) {
        throw new TypeError("argv elements must be strings (and not null).");
      }
      ctx.args = parseRosArgs(argv);
      // The inspection records start afresh with each init: one module serves a test file's
      // successive graphs, as the one real rclnodejs module does.
      ctx.publishCalls.length = 0;
      ctx.logs.length = 0;
      ctx.transitionEvents.length = 0;
      ctx.initialized = true;
      ctx.shutdownDone = false;
    },
    shutdown(): void {
      for (const node of [...ctx.nodes]) node.destroy();
      ctx.shutdownDone = true;
    },
    // rclnodejs: `!context.isInitialized()`, so true before init() as well as after shutdown().
    isShutdown(): boolean {
      return !ctx.initialized || ctx.shutdownDone;
    },
    removeSignalHandlers(): void {},
    Node,
    Parameter,
    ParameterDescriptor,
    ParameterType: PARAMETER_TYPE,
    QoS,
    QoSOverridingOptions,
    createLifecycleNode: (nodeName: string, namespace?: string) =>
      makeLifecycle(new Node(nodeName, namespace), ctx),
    lifecycle: { CallbackReturnCode },
    callService: (name, request = {}) =>
      new Promise((resolve, reject) => {
        setImmediate(() => {
          const handler = ctx.services.get(name);
          const owner = ctx.nodes.find((n) => name.startsWith(`${n.getFullyQualifiedName()}/`));
          if (!handler || !owner) return reject(new Error(`no service ${name} in the graph`));
          if (!owner.spinning)
            return reject(new Error(`no response from ${name}: its node does not spin`));
          try {
            Promise.resolve(handler(request)).then(resolve, (err: unknown) =>
              // rclnodejs logs "Error processing <service> request" and sends nothing.
              reject(new Error(`no response from ${name}: its handler failed: ${String(err)}`)),
            );
          } catch (err) {
            reject(new Error(`no response from ${name}: its handler threw: ${String(err)}`));
          }
        });
      }),
    transitionEvents: ctx.transitionEvents,
    publishCalls: ctx.publishCalls,
    logs: ctx.logs,
    subscriptionsOn: (topic) =>
      ctx.subscriptions
        .filter((s) => s.topic === topic)
        .map((s) => ({
          node: s.node.getFullyQualifiedName(),
          type: s.type,
          qos: s.qos,
          isRaw: s.isRaw,
        })),
    publishersOn: (topic) =>
      ctx.publishers
        .filter((p) => p.topic === topic)
        .map((p) => ({ node: p.node.getFullyQualifiedName(), type: p.type, qos: p.qos })),
    nodeNames: () => ctx.nodes.map((n) => n.getFullyQualifiedName()),
    parameterDescriptor: (node, name) => (node as StandinNode).getParameterDescriptor(name),
    echoLogs: (on) => {
      ctx.echoLogs = on;
    },
  };
}
