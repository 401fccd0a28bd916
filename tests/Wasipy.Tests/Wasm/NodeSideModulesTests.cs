using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using Wasipy.Tests.Support;
using static Wasipy.Tests.Wasm.SideModuleBytes;

namespace Wasipy.Tests.Wasm;

/// <summary>hosts/node/dylink.mjs, Node's side-module loader, on the same main module and side modules as the
/// Wasmtime loader's tests (<see cref="SideModulesTests"/>): the same outcomes on both hosts.</summary>
public class NodeSideModulesTests
{
    // Instantiates the main module with dylink.mjs's imports, then for each NAME=FILE[=SYMBOL] writes the file's
    // bytes into memory and calls dl.open as compat/wasipy_dl.c does (and dl.sym, and calls what it names).
    private const string Harness = """
        import { readFileSync } from 'node:fs';
        const [dylink, mainPath, ...cases] = process.argv.slice(2);
        const { sideModuleImports } = await import(dylink);
        let instance;
        const dl = sideModuleImports(() => instance, () => readFileSync(mainPath));
        instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(mainPath)), { dl });
        const mem = () => new Uint8Array(instance.exports.memory.buffer);
        const text = (at) => { const m = mem(); let end = at; while (m[end]) end++; return Buffer.from(m.subarray(at, end)).toString(); };
        const out = {};
        for (const c of cases) {
          const [name, file, symbol] = c.split('=');
          const bytes = readFileSync(file);
          mem().set(Buffer.from(name), 0); mem().fill(0, 512, 768); mem().set(bytes, 4096);
          const r = { handle: instance.exports.load(Buffer.byteLength(name), 4096, bytes.length), error: text(512) };
          if (r.handle && symbol) {
            mem().set(Buffer.from(symbol), 1024); mem().fill(0, 512, 768);
            r.value = instance.exports.lookup(r.handle, Buffer.byteLength(symbol));
            r.symbolError = text(512);
            if (r.value) r.call = instance.exports.__indirect_function_table.get(r.value)();
          }
          r.stackPointer = instance.exports.__stack_pointer.value;
          out[name] = r;
        }
        console.log(JSON.stringify(out));
        """;

    private sealed record Outcome(int handle, string error, int? value, string? symbolError, int? call, int stackPointer);

    private static async Task<Dictionary<string, Outcome>> Run(params (string Name, byte[] Bytes, string? Symbol)[] cases)
    {
        using var dir = new TempDir();
        var main = dir.Combine("main.wasm");
        File.WriteAllBytes(main, Wasmtime.Module.ConvertText(SideModulesTests.MainWat));
        var harness = dir.File("harness.mjs", Harness);
        var args = new List<string> { "--no-warnings", harness, new Uri(Path.Combine(RepoRoot.Path, "hosts", "node", "dylink.mjs")).AbsoluteUri, main };
        for (var i = 0; i < cases.Length; i++)
        {
            var file = dir.Combine($"case{i}.so");
            File.WriteAllBytes(file, cases[i].Bytes);
            args.Add($"{cases[i].Name}={file}" + (cases[i].Symbol is { } s ? "=" + s : ""));
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await CliWrap.Cli.Wrap("node").WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(timeout.Token);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return JsonSerializer.Deserialize<Dictionary<string, Outcome>>(result.StandardOutput)!;
    }

    [Fact]
    public async Task A_side_module_loads_and_a_pointer_to_a_main_function_keeps_its_slot()
    {
        var r = (await Run(("/site/t.so", Side(SideModulesTests.SideWat, DylinkPayload(4)), "twice_slot")))["/site/t.so"];
        Assert.Equal("", r.error);
        Assert.Equal(1, r.handle);
        Assert.Equal(1, r.call);
    }

    [Fact]
    public async Task Own_weak_functions_are_called_and_the_modules_of_one_package_share_a_data_symbol()
    {
        var side = Side(SideModulesTests.WeakWat, DylinkPayload(4));
        var r = await Run(("/lib/site-packages/pkg/weak.so", side, "calls_weak"), ("/lib/site-packages/pkg/a.so", side, "status_address"),
            ("/lib/site-packages/pkg/sub/b.so", side, "status_address"), ("/lib/site-packages/other/c.so", side, "status_address"));
        Assert.All(r.Values, o => Assert.Equal("", o.error));
        Assert.Equal(42, r["/lib/site-packages/pkg/weak.so"].call);
        // The first module of pkg defined it: a.so and b.so are later ones, and take that one.
        Assert.Equal(r["/lib/site-packages/pkg/a.so"].call, r["/lib/site-packages/pkg/sub/b.so"].call);
        Assert.NotEqual(r["/lib/site-packages/pkg/a.so"].call, r["/lib/site-packages/other/c.so"].call);
    }

    [Fact]
    public async Task Bad_side_modules_are_errors_naming_the_file_and_the_main_module_goes_on()
    {
        var trap = Side("""
            (module (import "env" "__stack_pointer" (global $sp (mut i32)))
              (func (export "__wasm_call_ctors") (global.set $sp (i32.const 12)) unreachable))
            """, DylinkPayload(0));
        var good = Side(SideModulesTests.SideWat, DylinkPayload(4));
        var r = await Run(
            ("/site/unknown.so", Side("""(module (import "env" "PyNoSuchThing" (func (param i32))))""", DylinkPayload(0)), null),
            ("/site/truncated.so", good[..20], null),
            ("/site/huge.so", Side(SideModulesTests.SideWat, DylinkPayload(uint.MaxValue)), null),
            ("/site/trap.so", trap, null),
            ("/site/needs.so", Side("(module)", DylinkPayload(0, 0, 0, 0, "libdep.so")), null),
            ("/site/main.wasm", Wasmtime.Module.ConvertText("(module)"), null),
            ("/site/good.so", good, "PyInit_nothing"));
        Assert.All(r.Where(kv => kv.Key != "/site/good.so"), kv => Assert.Equal(0, kv.Value.handle));
        Assert.StartsWith("/site/unknown.so: function PyNoSuchThing is neither in python.wasm nor in the module", r["/site/unknown.so"].error);
        Assert.Contains("truncated", r["/site/truncated.so"].error);
        Assert.Contains("bytes of data, more than the 256 MiB", r["/site/huge.so"].error);
        Assert.StartsWith("/site/trap.so: ", r["/site/trap.so"].error);
        Assert.Equal(65536, r["/site/trap.so"].stackPointer);
        Assert.Contains("it needs libdep.so", r["/site/needs.so"].error);
        Assert.Contains("not a side module", r["/site/main.wasm"].error);
        Assert.Equal(1, r["/site/good.so"].handle);
        Assert.Equal("PyInit_nothing: /site/good.so has no symbol PyInit_nothing", r["/site/good.so"].symbolError);
    }
}
