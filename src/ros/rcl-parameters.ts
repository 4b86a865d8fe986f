/**
 * The node's parameter declarations (parameters.ts) as rclnodejs sees them: ROS types,
 * descriptors, the values rcl hands back, and the integer/double coercion rcl needs. The checks
 * themselves are the declarations' own (checkParameters), called by the core.
 */
import { NodeStartError, message } from "./node-errors.js";
import {
  PARAM_SPECS,
  SPEC_BY_NAME,
  fromRosValue,
  type NodeParams,
  type ParamKind,
} from "./parameters.js";
import type { RclModule, RclNode, RclParameter } from "./rcl-types.js";

export class RclParameters {
  /** Why rcl will refuse a value of the wrong type (rclnodejs's own reason is unhelpful). */
  private readonly typeProblems = new Map<string, string>();

  constructor(
    private readonly rcl: RclModule,
    private readonly node: RclNode,
    private readonly warn: (line: string) => void,
  ) {}

  rosType(kind: ParamKind): number {
    const t = this.rcl.ParameterType;
    return {
      bool: t.PARAMETER_BOOL,
      integer: t.PARAMETER_INTEGER,
      double: t.PARAMETER_DOUBLE,
      string: t.PARAMETER_STRING,
    }[kind];
  }

  /**
   * Declares every parameter (params files and -p overrides apply, through the callbacks the
   * shell registered) and returns the values declared. Throws NodeStartError for a value rcl
   * refuses.
   */
  declareAll(): NodeParams {
    const values: Record<string, unknown> = {};
    for (const spec of PARAM_SPECS) {
      const type = this.rosType(spec.kind);
      const descriptor = new this.rcl.ParameterDescriptor(spec.name, type, spec.description, false);
      descriptor.additionalConstraints = spec.constraints;
      let declared: RclParameter;
      try {
        declared = this.node.declareParameter(
          new this.rcl.Parameter(spec.name, type, spec.default),
          descriptor,
        );
      } catch (err) {
        const reason = this.typeProblems.get(spec.name) ?? message(err);
        throw new NodeStartError(
          `parameter ${spec.name} was given a value it cannot take (${reason}); fix it in the parameters file or the -p override`,
          { cause: err },
        );
      }
      values[spec.name] = fromRosValue(spec, declared.value);
    }
    return values as unknown as NodeParams;
  }

  /**
   * rcl types `-p dt:=1` and `ros2 param set ... dt 0` as integers, which a double parameter
   * would refuse; such values are converted. Other type mismatches are left for rclnodejs to
   * refuse, and their real reason is logged (rclnodejs reports "does not  readonly").
   */
  coerceTypes(ps: RclParameter[]): RclParameter[] {
    const t = this.rcl.ParameterType;
    return ps.map((p) => {
      const spec = SPEC_BY_NAME.get(p.name);
      if (!spec) return p;
      const want = this.rosType(spec.kind);
      if (p.type === want) return p;
      if (spec.kind === "double" && p.type === t.PARAMETER_INTEGER) {
        return new this.rcl.Parameter(p.name, want, Number(p.value as bigint));
      }
      if (spec.kind === "integer" && p.type === t.PARAMETER_DOUBLE && Number.isInteger(p.value)) {
        return new this.rcl.Parameter(p.name, want, BigInt(p.value as number));
      }
      const problem = `${p.name} must be ${article(spec.kind)}, got ${typeName(p.type, t)} ${String(p.value)}`;
      this.typeProblems.set(p.name, problem);
      this.warn(`refused parameter change: ${problem}`);
      return p;
    });
  }

  /** rcl parameters → { name: value } as rcl holds them (integers as bigint). */
  static proposed(ps: RclParameter[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const p of ps) out[p.name] = p.value;
    return out;
  }

  /** rcl parameters of ours → the node's representation (fromRosValue). */
  static values(ps: RclParameter[]): Partial<NodeParams> {
    const out: Record<string, unknown> = {};
    for (const p of ps) {
      const spec = SPEC_BY_NAME.get(p.name);
      if (spec) out[spec.name] = fromRosValue(spec, p.value);
    }
    return out as Partial<NodeParams>;
  }

  /** Sets `values` through rcl in one atomic change (the callbacks run as for any change). */
  setAll(values: Partial<NodeParams>): void {
    const ps: RclParameter[] = [];
    for (const [name, value] of Object.entries(values)) {
      const spec = SPEC_BY_NAME.get(name);
      if (spec) ps.push(new this.rcl.Parameter(spec.name, this.rosType(spec.kind), value));
    }
    if (ps.length > 0) this.node.setParametersAtomically(ps);
  }
}

function article(kind: ParamKind): string {
  return { bool: "a bool", integer: "an integer", double: "a double", string: "a string" }[kind];
}

function typeName(type: number, t: RclModule["ParameterType"]): string {
  if (type === t.PARAMETER_BOOL) return "bool";
  if (type === t.PARAMETER_INTEGER) return "integer";
  if (type === t.PARAMETER_DOUBLE) return "double";
  if (type === t.PARAMETER_STRING) return "string";
  return `type ${type}`;
}
