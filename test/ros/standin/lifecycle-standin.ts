/**
 * The stand-in's managed nodes: rclnodejs 2.2.0's `LifecycleNode` (lib/lifecycle.js,
 * lib/lifecycle_publisher.js, types/lifecycle.d.ts) over rcl_lifecycle's default state machine,
 * and the four lifecycle services as rclnodejs serves them, so tests drive a node the way
 * `ros2 lifecycle set/get` and nav2's lifecycle_manager (`change_state` by id, `get_state`) do.
 *
 * What it reproduces from rclnodejs, on purpose:
 * - `_changeState`: trigger the transition (throws when it is not available from the current
 *   state), run the callback registered for the transition state *synchronously* with the
 *   previous state, map its return value to rcl's label (97 success, 98 failure, 99 error),
 *   trigger that; only for a returned (or thrown) ERROR the onError callback runs, given the
 *   start state. A value that is no number (a Promise from an async callback) makes the binding
 *   throw "A number was expected" after the callback ran: the transition method throws and the
 *   node is left in the transition state (checked on real rclnodejs 2.2.0 and Humble).
 * - `~/change_state`: a label is looked up among the transitions of the current state (not
 *   found: success false); an id goes straight to `_changeState`, which throws rcl's
 *   "Transition is not registered." inside the service handler when the transition is not
 *   available (rclnodejs 2.2.0 does not catch it; here the service call throws).
 * - `~/get_available_transitions` answers rclnodejs's TransitionDescription objects, whose
 *   `startState`/`goalState` the message has no fields for: start_state and goal_state arrive
 *   empty.
 * - Lifecycle publishers are not switched by the node's transitions: publish() while not
 *   activated logs rclnodejs's warning and sends nothing.
 */
import type {
  RclEntityOptions,
  RclLifecycleNode,
  RclLifecyclePublisher,
  RclLifecycleState,
  RclTransitionCallback,
} from "../../../src/ros/rcl-types.js";
import type { StandinNode } from "./rclnodejs-standin.js";

/** lifecycle_msgs/msg/State ids and rcl's labels. */
export const STATE = {
  unknown: 0,
  unconfigured: 1,
  inactive: 2,
  active: 3,
  finalized: 4,
  configuring: 10,
  cleaningup: 11,
  shuttingdown: 12,
  activating: 13,
  deactivating: 14,
  errorprocessing: 15,
} as const;
export type StateLabel = keyof typeof STATE;
const LABEL_OF = new Map<number, StateLabel>(
  Object.entries(STATE).map(([label, id]) => [id, label as StateLabel]),
);

/** lifecycle_msgs/msg/Transition ids. */
export const TRANSITION = {
  configure: 1,
  cleanup: 2,
  activate: 3,
  deactivate: 4,
  unconfigured_shutdown: 5,
  inactive_shutdown: 6,
  active_shutdown: 7,
  callback_success: 97,
  callback_failure: 98,
  callback_error: 99,
} as const;

export const CallbackReturnCode = {
  SUCCESS: TRANSITION.callback_success,
  FAILURE: TRANSITION.callback_failure,
  ERROR: TRANSITION.callback_error,
} as const;

interface TransitionRow {
  id: number;
  label: string;
  start: StateLabel;
  goal: StateLabel;
}

/** rcl_lifecycle's default state machine (default_state_machine.c): every registered transition. */
const TRANSITIONS: readonly TransitionRow[] = [
  { id: 1, label: "configure", start: "unconfigured", goal: "configuring" },
  { id: 10, label: "transition_success", start: "configuring", goal: "inactive" },
  { id: 11, label: "transition_failure", start: "configuring", goal: "unconfigured" },
  { id: 12, label: "transition_error", start: "configuring", goal: "errorprocessing" },
  { id: 2, label: "cleanup", start: "inactive", goal: "cleaningup" },
  { id: 20, label: "transition_success", start: "cleaningup", goal: "unconfigured" },
  { id: 21, label: "transition_failure", start: "cleaningup", goal: "inactive" },
  { id: 22, label: "transition_error", start: "cleaningup", goal: "errorprocessing" },
  { id: 3, label: "activate", start: "inactive", goal: "activating" },
  { id: 30, label: "transition_success", start: "activating", goal: "active" },
  { id: 31, label: "transition_failure", start: "activating", goal: "inactive" },
  { id: 32, label: "transition_error", start: "activating", goal: "errorprocessing" },
  { id: 4, label: "deactivate", start: "active", goal: "deactivating" },
  { id: 40, label: "transition_success", start: "deactivating", goal: "inactive" },
  { id: 41, label: "transition_failure", start: "deactivating", goal: "active" },
  { id: 42, label: "transition_error", start: "deactivating", goal: "errorprocessing" },
  { id: 5, label: "shutdown", start: "unconfigured", goal: "shuttingdown" },
  { id: 6, label: "shutdown", start: "inactive", goal: "shuttingdown" },
  { id: 7, label: "shutdown", start: "active", goal: "shuttingdown" },
  { id: 50, label: "transition_success", start: "shuttingdown", goal: "finalized" },
  { id: 51, label: "transition_failure", start: "shuttingdown", goal: "finalized" },
  { id: 52, label: "transition_error", start: "shuttingdown", goal: "errorprocessing" },
  { id: 60, label: "transition_success", start: "errorprocessing", goal: "unconfigured" },
  { id: 61, label: "transition_failure", start: "errorprocessing", goal: "finalized" },
  { id: 62, label: "transition_error", start: "errorprocessing", goal: "finalized" },
];

/** getLifecycleTransitionIdToLabel of rcl_lifecycle_bindings.cpp: a callback's return → the label to trigger. */
function callbackLabel(code: unknown): string {
  // N-API's number check: a Promise (an async callback) or undefined is refused here, after the
  // callback ran, so the transition throws and the node stays in the transition state.
  if (typeof code !== "number") throw new TypeError("A number was expected");
  const n = code;
  if (n === CallbackReturnCode.SUCCESS) return "transition_success";
  if (n === CallbackReturnCode.FAILURE) return "transition_failure";
  if (n === CallbackReturnCode.ERROR) return "transition_error";
  const primary = TRANSITIONS.find((t) => t.id === n && t.id <= 7);
  return primary ? primary.label : "transition_error";
}

function state(label: StateLabel): RclLifecycleState {
  return { id: STATE[label], label };
}

/** One message rcl publishes on `~/transition_event` (lifecycle_msgs/msg/TransitionEvent, abridged). */
export interface TransitionEvent {
  node: string;
  transition: { id: number; label: string };
  start_state: RclLifecycleState;
  goal_state: RclLifecycleState;
}

/** A service as the stand-in serves it: request object in, response object out (or a throw). */
export type ServiceHandler = (
  request: Record<string, unknown>,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface LifecycleGraph {
  readonly services: Map<string, ServiceHandler>;
  readonly transitionEvents: TransitionEvent[];
}

/**
 * Makes `node` (a fresh stand-in Node) a LifecycleNode: the state machine, the callbacks, the
 * transition methods, lifecycle publishers and the four services.
 */
export function makeLifecycle(node: StandinNode, graph: LifecycleGraph): RclLifecycleNode {
  let current: StateLabel = "unconfigured";
  const callbacks = new Map<StateLabel, RclTransitionCallback>();
  const fqn = node.getFullyQualifiedName();
  const logger = node.getLogger();

  const trigger = (pick: (t: TransitionRow) => boolean, what: string): RclLifecycleState => {
    const t = TRANSITIONS.find((row) => row.start === current && pick(row));
    // rcl_lifecycle's error, as rclnodejs's binding throws it.
    if (!t) throw new Error(`Transition is not registered., transition ${what} from ${current}`);
    graph.transitionEvents.push({
      node: fqn,
      transition: { id: t.id, label: t.label },
      start_state: state(t.start),
      goal_state: state(t.goal),
    });
    current = t.goal;
    return state(current);
  };

  const execute = (at: RclLifecycleState, previous: RclLifecycleState): unknown => {
    const cb = callbacks.get(LABEL_OF.get(at.id)!);
    if (!cb) return CallbackReturnCode.SUCCESS;
    try {
      return cb(previous);
    } catch (err) {
      // rclnodejs: console.log('CB exception occured: ', err)
      logger.error(`CB exception occured: ${String(err)}`);
      return CallbackReturnCode.ERROR;
    }
  };

  /** LifecycleNode._changeState. */
  const changeState = (
    transition: number | string,
    out?: { value: unknown },
  ): RclLifecycleState => {
    const initial = state(current);
    let next =
      typeof transition === "number"
        ? trigger((t) => t.id === transition, String(transition))
        : trigger((t) => t.label === transition, transition);
    let result = execute(next, initial);
    if (out) out.value = result;
    next = trigger((t) => t.label === callbackLabel(result), callbackLabel(result));
    if (result === CallbackReturnCode.ERROR) {
      result = execute(state(current), initial);
      if (out) out.value = result;
      next = trigger((t) => t.label === callbackLabel(result), callbackLabel(result));
    }
    return next;
  };

  const lifecycle = node as unknown as RclLifecycleNode;
  Object.defineProperty(lifecycle, "currentState", { get: () => state(current) });
  const register =
    (at: StateLabel) =>
    (cb: RclTransitionCallback): void => {
      callbacks.set(at, cb);
    };
  Object.assign(lifecycle, {
    registerOnConfigure: register("configuring"),
    registerOnActivate: register("activating"),
    registerOnDeactivate: register("deactivating"),
    registerOnCleanup: register("cleaningup"),
    registerOnShutdown: register("shuttingdown"),
    registerOnError: register("errorprocessing"),
    configure: () => changeState(TRANSITION.configure),
    activate: () => changeState(TRANSITION.activate),
    deactivate: () => changeState(TRANSITION.deactivate),
    cleanup: () => changeState(TRANSITION.cleanup),
    shutdown: () => changeState("shutdown"),
    createLifecyclePublisher: (
      typeClass: string,
      topic: string,
      options?: RclEntityOptions,
    ): RclLifecyclePublisher => {
      const inner = node.createPublisher(typeClass, topic, options);
      let enabled = false;
      const publisherLog = logger;
      return Object.assign(inner, {
        publish: ((publish) => (message: object | Buffer) => {
          if (!enabled) {
            publisherLog.warn(
              `Trying to publish message on the topic ${inner.topic}, but the publisher is not activated`,
            );
            return;
          }
          publish(message);
        })(inner.publish),
        activate: () => {
          enabled = true;
        },
        deactivate: () => {
          enabled = false;
        },
        isActivated: () => enabled,
      });
    },
  });

  const transitions = () =>
    TRANSITIONS.filter((t) => t.start === current).map((t) => ({
      transition: { id: t.id, label: t.label },
      start_state: { id: 0, label: "" },
      goal_state: { id: 0, label: "" },
    }));
  graph.services.set(`${fqn}/get_state`, () => ({ current_state: state(current) }));
  graph.services.set(`${fqn}/get_available_states`, () => ({
    available_states: [...LABEL_OF.entries()].map(([id, label]) => ({ id, label })),
  }));
  graph.services.set(`${fqn}/get_available_transitions`, () => ({
    available_transitions: transitions(),
  }));
  graph.services.set(`${fqn}/change_state`, (request) => {
    const t = (request.transition ?? {}) as { id?: number; label?: string };
    let id = t.id ?? 0;
    if (t.label) {
      const found = TRANSITIONS.find((row) => row.start === current && row.label === t.label);
      if (!found) return { success: false };
      id = found.id;
    }
    const out = { value: CallbackReturnCode.SUCCESS as unknown };
    changeState(id, out);
    return { success: out.value === CallbackReturnCode.SUCCESS };
  });
  return lifecycle;
}

/** The four services' names of a node, for removal when it is destroyed. */
export function lifecycleServiceNames(fqn: string): string[] {
  return ["get_state", "get_available_states", "get_available_transitions", "change_state"].map(
    (s) => `${fqn}/${s}`,
  );
}
