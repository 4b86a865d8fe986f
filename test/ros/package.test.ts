/**
 * The ROS 2 package around the node: package.xml (format 3), CMakeLists.txt, the launch files,
 * the parameters file, the `ros2 run` wrapper and our .msg files.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { parse as parseMsg } from "@foxglove/rosmsg";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { BUNDLED_DEFINITIONS } from "../../src/messages/index.js";
import { PARAM_SPECS } from "../../src/ros/parameters.js";
import { tempDir } from "./helpers.js";
import { checkPackageFormat3 } from "./package-format3.js";
import { parseXml, parseXmlMany, walk, type XmlElement } from "./xml.js";

const ROOT = path.join(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(path.join(ROOT, p), "utf8");
const pkgJson = JSON.parse(read("package.json")) as { version: string; license: string };

describe("package.xml", () => {
  const xml = parseXml(read("package.xml"), "package.xml");

  it("follows package format 3", () => {
    expect(checkPackageFormat3(xml)).toEqual([]);
  });

  it("agrees with package.json and names the dependencies the node and messages need", () => {
    const text = (tag: string) => xml.children.filter((c) => c.tag === tag).map((c) => c.text);
    expect(text("name")).toEqual(["spikenode"]);
    expect(text("version")).toEqual([pkgJson.version]);
    expect(text("license")).toEqual([pkgJson.license]);
    const deps = (...tags: string[]) =>
      xml.children.filter((c) => tags.includes(c.tag)).map((c) => c.text);
    expect(deps("buildtool_depend")).toEqual(
      expect.arrayContaining(["ament_cmake", "rosidl_default_generators"]),
    );
    const runtime = deps("depend", "exec_depend");
    for (const pkg of [
      "std_msgs",
      "sensor_msgs",
      "vision_msgs",
      "diagnostic_msgs",
      "lifecycle_msgs",
      "std_srvs",
      "rosidl_default_runtime",
      "launch_ros",
    ]) {
      expect(runtime, pkg).toContain(pkg);
    }
    expect(text("member_of_group")).toContain("rosidl_interface_packages");
    const exp = xml.children.find((c) => c.tag === "export")!;
    expect(exp.children.map((c) => [c.tag, c.text])).toEqual([["build_type", "ament_cmake"]]);
  });

  it("the format 3 checks catch what the schema forbids", () => {
    const base = read("package.xml");
    const broken: [string, string, RegExp][] = [
      ['format="3"', 'format="2"', /format 3 requires format="3"/],
      ["<version>0.1.0</version>", "<version>0.1</version>", /version "0.1" must be X.Y.Z/],
      [
        "<version>0.1.0</version>",
        "<version>01.1.0</version>",
        /must be X.Y.Z without leading zeros/,
      ],
      ["<name>spikenode</name>", "<name>Spike-Node</name>", /name "Spike-Node" must match/],
      [' email="maintainers@example.com"', "", /needs an email attribute/],
      [
        'email="maintainers@example.com"',
        'email="nobody"',
        /email "nobody" is not a valid address/,
      ],
      ["<license>Apache-2.0</license>", "", /<license> is required/],
      [
        "<member_of_group>",
        "<export><build_type>x</build_type></export><member_of_group>",
        /appears more than 1|comes after export/,
      ],
      [
        "<buildtool_depend>ament_cmake</buildtool_depend>",
        '<buildtool_depend version_gte="1.x">ament_cmake</buildtool_depend>',
        /version_gte="1.x"/,
      ],
      [
        "<depend>std_msgs</depend>",
        '<depend>std_msgs</depend><maintainer email="a@b.org">late</maintainer>',
        /<maintainer> comes after dependencies/,
      ],
      [
        "<depend>std_msgs</depend>",
        "<run_depend>std_msgs</run_depend>",
        /<run_depend> is not an element of package format 3/,
      ],
    ];
    for (const [from] of broken) expect(base.includes(from), from).toBe(true);
    const trees = parseXmlMany(broken.map(([from, to]) => base.replace(from, to)));
    broken.forEach(([from, to, problem], i) => {
      expect(checkPackageFormat3(trees[i]).join("\n"), `${from} -> ${to}`).toMatch(problem);
    });
  });
});

describe("CMakeLists.txt", () => {
  const cmake = read("CMakeLists.txt");
  const msgFiles = readdirSync(path.join(ROOT, "msg"))
    .filter((f) => f.endsWith(".msg"))
    .sort();

  it("generates every message in msg/ with the packages they use", () => {
    const block =
      /rosidl_generate_interfaces\(\$\{PROJECT_NAME\}([\s\S]*?)\)/.exec(cmake)?.[1] ?? "";
    const listed = [...block.matchAll(/"msg\/([^"]+\.msg)"/g)].map((m) => m[1]).sort();
    expect(listed).toEqual(msgFiles);
    const deps = /DEPENDENCIES([^)]*)/.exec(block)?.[1].trim().split(/\s+/) ?? [];
    const used = new Set<string>();
    for (const f of msgFiles) {
      for (const m of readFileSync(path.join(ROOT, "msg", f), "utf8").matchAll(
        /^\s*([a-z_]+)\/[A-Z]\w*/gm,
      ))
        used.add(m[1]);
    }
    expect([...used].sort()).toEqual([...deps].sort());
    for (const dep of deps) expect(cmake).toContain(`find_package(${dep} REQUIRED)`);
    const pkg = read("package.xml");
    for (const dep of deps) expect(pkg).toMatch(new RegExp(`<(build_)?depend>${dep}</`));
  });

  it("installs the executable ros2 run looks for, and what it runs", () => {
    expect(cmake).toMatch(
      /install\(PROGRAMS scripts\/spikenode_node scripts\/spikenode_lifecycle_node DESTINATION lib\/\$\{PROJECT_NAME\}\)/,
    );
    for (const what of ["dist/", "package.json", "launch msg", "node_modules", "models samples"])
      expect(cmake).toContain(what);
    expect(cmake).toMatch(/ament_package\(\)\s*$/);
  });
});

const hasCmake = spawnSync("cmake", ["--version"]).status === 0;

describe.skipIf(!hasCmake)(
  `CMakeLists.txt configured and installed by cmake${hasCmake ? "" : " (cmake not found)"}`,
  () => {
    it("installs the wrapper, the built JavaScript, launch, msg, models and package.json where ros2 looks", () => {
      const tmp = tempDir("spikenode-cmake-");
      // ament and rosidl stand in as CMake packages whose functions only check their arguments:
      // this tests our CMakeLists and its install rules, not ROS's generators.
      const stub = (pkg: string, body: string) => {
        mkdirSync(path.join(tmp, "stubs", pkg), { recursive: true });
        writeFileSync(path.join(tmp, "stubs", pkg, `${pkg}Config.cmake`), body);
      };
      stub(
        "ament_cmake",
        "function(ament_export_dependencies)\nendfunction()\nfunction(ament_package)\nendfunction()\n",
      );
      stub(
        "rosidl_default_generators",
        [
          "function(rosidl_generate_interfaces target)",
          '  cmake_parse_arguments(A "" "" "DEPENDENCIES" ${ARGN})',
          "  foreach(f ${A_UNPARSED_ARGUMENTS})",
          '    if(NOT EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${f}")',
          '      message(FATAL_ERROR "rosidl: no ${f}")',
          "    endif()",
          "  endforeach()",
          '  file(WRITE "${CMAKE_BINARY_DIR}/rosidl.txt" "${target};${A_UNPARSED_ARGUMENTS};${A_DEPENDENCIES}")',
          "endfunction()",
          "",
        ].join("\n"),
      );
      stub("std_msgs", "");
      // The package source as colcon sees it, with a built dist/ (npm run build is not rerun here).
      const src = path.join(tmp, "src");
      for (const f of ["CMakeLists.txt", "package.xml", "package.json"]) {
        mkdirSync(src, { recursive: true });
        copyFileSync(path.join(ROOT, f), path.join(src, f));
      }
      for (const dir of ["msg", "launch", "scripts"]) {
        mkdirSync(path.join(src, dir), { recursive: true });
        for (const f of readdirSync(path.join(ROOT, dir)))
          copyFileSync(path.join(ROOT, dir, f), path.join(src, dir, f));
      }
      chmodSync(path.join(src, "scripts/spikenode_node"), 0o755);
      chmodSync(path.join(src, "scripts/spikenode_lifecycle_node"), 0o755);
      mkdirSync(path.join(src, "dist/cli"), { recursive: true });
      writeFileSync(
        path.join(src, "dist/cli/main.js"),
        "console.log(JSON.stringify(process.argv.slice(2)));\n",
      );
      mkdirSync(path.join(src, "models/m/checkpoint"), { recursive: true });
      writeFileSync(path.join(src, "models/m/model.json"), "{}");
      writeFileSync(path.join(src, "models/m/checkpoint/state.bin"), "x");

      const prefixes = ["ament_cmake", "rosidl_default_generators", "std_msgs"]
        .map((p) => path.join(tmp, "stubs", p))
        .join(";");
      const cmake = (...args: string[]) => {
        const r = spawnSync("cmake", args, { encoding: "utf8" });
        expect(r.status, r.stdout + r.stderr).toBe(0);
      };
      const build = path.join(tmp, "build");
      const install = path.join(tmp, "install");
      cmake(
        "-S",
        src,
        "-B",
        build,
        `-DCMAKE_PREFIX_PATH=${prefixes}`,
        `-DCMAKE_INSTALL_PREFIX=${install}`,
        "-DSPIKENODE_BUILD_JS=OFF",
        "-DSPIKENODE_INSTALL_NODE_MODULES=OFF",
      );
      expect(readFileSync(path.join(build, "rosidl.txt"), "utf8")).toBe(
        "spikenode;msg/SpikeClassification.msg;msg/PowerEstimate.msg;std_msgs",
      );
      cmake("--install", build);
      const share = path.join(install, "share/spikenode");
      for (const f of [
        "dist/cli/main.js",
        "package.json",
        "launch/spikenode.launch.xml",
        "launch/spikenode.launch.py",
        "launch/params.yaml",
        "msg/PowerEstimate.msg",
        "models/m/model.json",
      ]) {
        expect(statSync(path.join(share, f)).isFile(), f).toBe(true);
      }
      expect(() => statSync(path.join(share, "models/m/checkpoint"))).toThrow();
      const run = spawnSync(
        path.join(install, "lib/spikenode/spikenode_node"),
        ["--ros-args", "-p", "top_k:=2"],
        { encoding: "utf8" },
      );
      expect(JSON.parse(run.stdout)).toEqual([
        "run",
        "--require-ros",
        "--ros-args",
        "-p",
        "top_k:=2",
      ]);
      const managed = spawnSync(
        path.join(install, "lib/spikenode/spikenode_lifecycle_node"),
        ["--ros-args", "-p", "top_k:=2"],
        { encoding: "utf8" },
      );
      expect(JSON.parse(managed.stdout)).toEqual([
        "run",
        "--require-ros",
        "--lifecycle",
        "--ros-args",
        "-p",
        "top_k:=2",
      ]);
    });
  },
);

describe("the ros2 run wrapper", () => {
  const wrapper = path.join(ROOT, "scripts/spikenode_node");

  it("is an executable POSIX shell script", () => {
    expect(statSync(wrapper).mode & 0o111).not.toBe(0);
    const check = spawnSync("sh", ["-n", wrapper], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("runs share/spikenode/dist/cli/main.js run --require-ros with the ROS arguments, from an install tree", () => {
    const prefix = tempDir("spikenode-install-");
    mkdirSync(path.join(prefix, "lib/spikenode"), { recursive: true });
    mkdirSync(path.join(prefix, "share/spikenode/dist/cli"), { recursive: true });
    const installed = path.join(prefix, "lib/spikenode/spikenode_node");
    copyFileSync(wrapper, installed);
    chmodSync(installed, 0o755);
    // A stand-in main.js that reports how it was called.
    writeFileSync(
      path.join(prefix, "share/spikenode/dist/cli/main.js"),
      "console.log(JSON.stringify(process.argv.slice(2)));\n",
    );
    const args = ["--ros-args", "-r", "__ns:=/front", "-p", "model:=my model"];
    const run = spawnSync(installed, args, { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual(["run", "--require-ros", ...args]);

    // colcon build --symlink-install: lib/spikenode/spikenode_node links to the source's script.
    const linked = tempDir("spikenode-install-");
    mkdirSync(path.join(linked, "lib/spikenode"), { recursive: true });
    mkdirSync(path.join(linked, "share/spikenode/dist/cli"), { recursive: true });
    copyFileSync(
      path.join(prefix, "share/spikenode/dist/cli/main.js"),
      path.join(linked, "share/spikenode/dist/cli/main.js"),
    );
    symlinkSync(wrapper, path.join(linked, "lib/spikenode/spikenode_node"));
    const viaLink = spawnSync(path.join(linked, "lib/spikenode/spikenode_node"), args, {
      encoding: "utf8",
    });
    expect(viaLink.stderr).toBe("");
    expect(JSON.parse(viaLink.stdout)).toEqual(["run", "--require-ros", ...args]);

    const empty = tempDir("spikenode-install-");
    mkdirSync(path.join(empty, "lib/spikenode"), { recursive: true });
    copyFileSync(wrapper, path.join(empty, "lib/spikenode/spikenode_node"));
    const missing = spawnSync("sh", [path.join(empty, "lib/spikenode/spikenode_node")], {
      encoding: "utf8",
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/dist\/cli\/main.js is missing; rebuild the package/);
  });
});

describe("launch files", () => {
  const LAUNCH_ARGS = ["image_topic", "lifecycle", "model", "namespace", "params_file"];
  const paramNames = new Set(PARAM_SPECS.map((s) => s.name));

  /** Checks tags, attributes, $(var) references and includes of a launch XML file. */
  function checkLaunchXml(file: string): { args: string[]; nodes: XmlElement[] } {
    const root = parseXml(read(`launch/${file}`), file);
    expect(root.tag).toBe("launch");
    const allowed: Record<string, string[]> = {
      launch: [],
      arg: ["name", "default", "description", "value"],
      node: ["pkg", "exec", "name", "namespace", "output", "ros_args", "if", "unless"],
      param: ["name", "value", "from"],
      include: ["file"],
      group: [],
    };
    const args = root.children.filter((c) => c.tag === "arg").map((c) => c.attrib.name);
    const nodes: XmlElement[] = [];
    for (const e of walk(root)) {
      expect(Object.keys(allowed), `<${e.tag}> in ${file}`).toContain(e.tag);
      for (const key of Object.keys(e.attrib))
        expect(allowed[e.tag], `${e.tag}@${key} in ${file}`).toContain(key);
      for (const v of Object.values(e.attrib)) {
        for (const m of v.matchAll(/\$\((\S+)\s+([^)]*)\)/g)) {
          expect(["var", "find-pkg-share"], m[0]).toContain(m[1]);
          if (m[1] === "var") expect(args, `${m[0]} in ${file}`).toContain(m[2]);
          if (m[1] === "find-pkg-share") expect(m[2]).toBe("spikenode");
        }
      }
      if (e.tag === "node") {
        nodes.push(e);
        expect(e.attrib.pkg).toBe("spikenode");
        expect(["spikenode_node", "spikenode_lifecycle_node"]).toContain(e.attrib.exec);
        // launch_ros writes <param name value> into a file keyed by the node's full name
        // (/front/spikenode), which rclnodejs does not match: values go in as -p rules after
        // the parameters file, in ros_args.
        for (const p of e.children) {
          expect(p.tag).toBe("param");
          expect(p.attrib.name, `<param name> in ${file}`).toBeUndefined();
        }
        const rosArgs = (e.attrib.ros_args ?? "").split(/\s+/).filter(Boolean);
        const fileAt = rosArgs.indexOf("--params-file");
        for (let i = 0; i < rosArgs.length; i++) {
          if (rosArgs[i] !== "-p") continue;
          expect(i, `-p after --params-file in ${file}`).toBeGreaterThan(fileAt);
          const name = rosArgs[i + 1].split(":=")[0];
          expect(paramNames, name).toContain(name);
        }
      }
      if (e.tag === "include") {
        const target = /^\$\(find-pkg-share spikenode\)\/launch\/(.+)$/.exec(e.attrib.file)?.[1];
        expect(target, e.attrib.file).toBeDefined();
        const included = checkLaunchXml(target!);
        for (const a of e.children) {
          expect(a.tag).toBe("arg");
          expect(included.args, `${a.attrib.name} passed to ${target}`).toContain(a.attrib.name);
        }
      }
    }
    return { args, nodes };
  }

  it("a launch file that is not well-formed XML fails with the parser's position", () => {
    expect(() => parseXml('<launch><arg name="x"></launch>', "broken.launch.xml")).toThrow(
      /broken.launch.xml is not well-formed XML: mismatched tag: line 1, column 24/,
    );
  });

  it("spikenode.launch.xml parses and declares model, image_topic, namespace, params_file and lifecycle", () => {
    const { args, nodes } = checkLaunchXml("spikenode.launch.xml");
    expect([...args].sort()).toEqual(LAUNCH_ARGS);
    // One node or the other: the plain one unless lifecycle, the managed one if.
    expect(nodes.map((n) => [n.attrib.exec, n.attrib.if, n.attrib.unless])).toEqual([
      ["spikenode_node", undefined, "$(var lifecycle)"],
      ["spikenode_lifecycle_node", "$(var lifecycle)", undefined],
    ]);
    for (const node of nodes) {
      expect(node.attrib.name).toBe("spikenode");
      expect(node.attrib.namespace).toBe("$(var namespace)");
      expect(node.attrib.ros_args).toBe(
        "--params-file $(var params_file) -p model:=$(var model) -p image_topic:=$(var image_topic)",
      );
      expect(node.children).toEqual([]);
    }
  });

  it("multi_camera.launch.xml starts one instance per camera, each in its own namespace and group", () => {
    const root = parseXml(read("launch/multi_camera.launch.xml"));
    checkLaunchXml("multi_camera.launch.xml");
    const groups = root.children.filter((c) => c.tag === "group");
    const namespaces = groups.map(
      (g) => g.children[0].children.find((a) => a.attrib.name === "namespace")?.attrib.value,
    );
    expect(namespaces.length).toBeGreaterThanOrEqual(2);
    expect(new Set(namespaces).size).toBe(namespaces.length);
  });

  it("spikenode.launch.py compiles and declares the same arguments, passing the params file and overrides", () => {
    const file = path.join(ROOT, "launch/spikenode.launch.py");
    const probe = `
import ast, json, py_compile, sys, tempfile, os
with tempfile.TemporaryDirectory() as d:
    py_compile.compile(sys.argv[1], cfile=os.path.join(d, "x.pyc"), doraise=True)
tree = ast.parse(open(sys.argv[1]).read())
args, node = [], {}
for n in ast.walk(tree):
    if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "DeclareLaunchArgument":
        args.append(n.args[0].value)
    if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "Node":
        for k in n.keywords:
            if isinstance(k.value, ast.Constant):
                node[k.arg] = k.value.value
            if k.arg == "executable" and not isinstance(k.value, ast.Constant):
                node["executable"] = ast.unparse(k.value)
            if k.arg == "parameters":
                node["param_dicts"] = sum(isinstance(d, ast.Dict) for d in k.value.elts)
                node["param_first"] = ast.unparse(k.value.elts[0])
                node["param_rules"] = [d.args[0].value for d in k.value.elts if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "Parameter"]
print(json.dumps({"args": sorted(args), "node": node}))
`;
    const out = spawnSync("python3", ["-c", probe, file], { encoding: "utf8" });
    expect(out.stderr).toBe("");
    const { args, node } = JSON.parse(out.stdout) as {
      args: string[];
      node: Record<string, unknown>;
    };
    expect(args).toEqual(LAUNCH_ARGS);
    expect(node).toMatchObject({ package: "spikenode", name: "spikenode" });
    // The executable follows the lifecycle argument.
    expect(node.executable).toBe("executable");
    expect(read("launch/spikenode.launch.py")).toMatch(
      /'spikenode_lifecycle_node' if '",\s*LaunchConfiguration\('lifecycle'\),\s*"'\.lower\(\) in \('true', '1'\) else 'spikenode_node'"/,
    );
    // The parameters file first, then -p rules; no dict (launch_ros keys it by the node's full
    // name, which rclnodejs does not match).
    expect(node.param_dicts).toBe(0);
    expect(node.param_first).toBe("LaunchConfiguration('params_file')");
    expect(node.param_rules).toEqual(["model", "image_topic"]);
  });

  it("launch/params.yaml sets every node parameter to its default, typed as declared", () => {
    const doc = parseYaml(read("launch/params.yaml"), { intAsBigInt: true }) as Record<
      string,
      { ros__parameters: Record<string, unknown> }
    >;
    expect(Object.keys(doc)).toEqual(["/**"]);
    const params = doc["/**"].ros__parameters;
    expect(Object.keys(params).sort()).toEqual([...paramNames].sort());
    for (const spec of PARAM_SPECS) {
      const v = params[spec.name];
      if (spec.kind === "integer") expect(v, spec.name).toBe(BigInt(spec.default as number));
      else expect(v, spec.name).toBe(spec.default);
      if (spec.kind === "double")
        expect(read("launch/params.yaml"), spec.name).toMatch(
          new RegExp(`${spec.name}: -?\\d+\\.\\d+`),
        );
    }
  });
});

describe("msg/", () => {
  it("every .msg parses as a ROS 2 definition using only known types", () => {
    const files = readdirSync(path.join(ROOT, "msg")).filter((f) => f.endsWith(".msg"));
    expect(files.sort()).toEqual(["PowerEstimate.msg", "SpikeClassification.msg"]);
    for (const f of files) {
      // The definition as a schema with its dependencies after it, as rosidl resolves them.
      const deps = ["std_msgs/msg/Header", "builtin_interfaces/msg/Time"].map(
        (t) => `${"=".repeat(80)}\nMSG: ${t.replace("/msg/", "/")}\n${BUNDLED_DEFINITIONS[t]}`,
      );
      const [def] = parseMsg([read(`msg/${f}`), ...deps].join("\n"), { ros2: true });
      expect(def.definitions.length, f).toBeGreaterThan(0);
      for (const field of def.definitions) {
        if (field.isComplex)
          expect(["std_msgs/Header", "builtin_interfaces/Time"], `${f}: ${field.name}`).toContain(
            field.type,
          );
        expect(field.name, f).toMatch(/^[a-z][a-z0-9_]*$/);
      }
    }
  });
});
