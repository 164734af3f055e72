using System.Buffers.Binary;
using System.Text;
using Invariscope.Cli;
using Invariscope.Formats;

namespace Invariscope.Tests.Cli;

/// <summary>
/// Issue 15's messages, each as a user meets it: one line on stderr, exit 2 for a command line the program cannot
/// take, 1 for input that fails; no .NET type names, byte offsets or lists of a hundred keys.
/// </summary>
public class UsageMessageTests
{
    static string Checkpoint => TestData.Fixture("timm_vit_tiny32.safetensors");

    static string Line(int exit, params string[] args)
    {
        var (code, _, stderr) = TestData.Cli(args);
        Assert.True(code == exit, $"exit {code}, expected {exit}: {stderr}");
        var lines = stderr.Trim().Split('\n');
        Assert.Single(lines);
        return lines[0];
    }

    [Fact]
    public void A_mistyped_option_gets_the_suggestion_alone()
    {
        using var dir = new TestData.TempDir();
        // "x", the typo's value, and the --out that is really there would otherwise each be an error of their own
        Assert.Equal("invariscope: usage: '--dat' is not an option of 'invariscope train'. Did you mean --data?",
            Line(2, "train", "--dat", "x", "--out", dir.File("o")));
        Assert.Equal("invariscope: usage: '--epoch' is not an option of 'invariscope finetune'. Did you mean --epochs?",
            Line(2, "finetune", "--epoch", "3"));
        Assert.False(Directory.Exists(dir.File("o")));
    }

    [Fact]
    public void A_mistyped_command_gets_the_suggestion_alone()
    {
        Assert.Equal("invariscope: usage: 'trian' is not a command of 'invariscope'. Did you mean train?", Line(2, "trian"));
        Assert.Equal("invariscope: usage: 'inf' is not a command of 'invariscope data'. Did you mean info?", Line(2, "data", "inf"));
    }

    [Fact]
    public void An_unknown_option_far_from_every_name_says_so_and_where_the_help_is()
    {
        using var dir = new TestData.TempDir();
        Assert.Equal("invariscope: usage: '--bogus' is not an option of 'invariscope train' (see 'invariscope train --help')",
            Line(2, "train", "--bogus", "--out", dir.File("o")));
    }

    [Fact]
    public void Suggestions_are_the_closest_names_within_a_few_edits()
    {
        string[] options = ["--data", "--device", "--epochs", "--batch-size", "--val-data"];
        Assert.Equal(["--data"], Typo.Closest("--dat", options));
        Assert.Equal(["--batch-size"], Typo.Closest("--batchsize", options));
        Assert.Equal(["--epochs"], Typo.Closest("--epohcs", options)); // a swap of neighbours is one edit
        Assert.Empty(Typo.Closest("--d", options));                    // too far from all: no guess
        Assert.Empty(Typo.Closest("--data", options));                 // the name itself is no typo
        Assert.Equal(["--bar", "--baz"], Typo.Closest("--ba", ["--baz", "--bar"]));
        Assert.Equal(1, Typo.Distance("trian", "train"));
        Assert.Equal(3, Typo.Distance("kitten", "sitting"));
    }

    [Fact]
    public void A_typed_flag_with_a_value_of_another_type_names_the_flag_and_the_type()
    {
        using var dir = new TestData.TempDir();
        Assert.Equal("invariscope: usage: --steps abc: expected an integer (see 'invariscope analyze --help')",
            Line(2, "analyze", "--pretrained", Checkpoint, "--finetuned", Checkpoint, "--data", "synthetic:shapes", "--out", dir.File("o"), "--steps", "abc"));
        Assert.Equal("invariscope: usage: --step-size fast: expected a number (see 'invariscope analyze --help')",
            Line(2, "analyze", "--pretrained", Checkpoint, "--finetuned", Checkpoint, "--data", "synthetic:shapes", "--out", dir.File("o"), "--step-size", "fast"));
    }

    [Theory]
    [InlineData("--epochs", "abc", "--epochs abc: epochs: expected an integer")]
    [InlineData("--lr", "fast", "--lr fast: lr: expected a number")]
    [InlineData("--set", "augment=maybe", "--set augment=maybe: augment: expected true or false")]
    [InlineData("--set", "probe_lr=x", "--set probe_lr=x: probe_lr: expected a number or null")]
    [InlineData("--set", "freeze=3", "--set freeze=3: freeze: expected a list")]
    public void A_train_flag_with_a_value_of_another_type_names_the_flag_field_and_type(string flag, string value, string expected)
    {
        using var dir = new TestData.TempDir();
        var line = Line(2, "train", flag, value, "--out", dir.File("o"), "--device", "cpu");
        Assert.Equal($"invariscope: usage: {expected} (see 'invariscope train --help')", line);
        Assert.False(Directory.Exists(dir.File("o")));
    }

    [Fact]
    public void A_config_file_field_of_the_wrong_type_is_named_with_its_line()
    {
        using var dir = new TestData.TempDir();
        File.WriteAllText(dir.File("exp.json"), "{\n  \"data\": \"synthetic:shapes\",\n  \"epochs\": \"abc\"\n}");
        Assert.Equal($"invariscope: error: {dir.File("exp.json")}: epochs: expected an integer (line 3)",
            Line(1, "train", "--config", dir.File("exp.json"), "--out", dir.File("o"), "--device", "cpu"));
        File.WriteAllText(dir.File("s.json"), """{ "settings": [ { "name": "a" } ], "analysis": { "steps": "many" } }""");
        Assert.Equal($"invariscope: error: {dir.File("s.json")}: analysis.steps: expected an integer (line 1)",
            Line(1, "study", dir.File("s.json"), "--out", dir.File("s"), "--device", "cpu"));
        File.WriteAllText(dir.File("bad.json"), "{\"epochs\": }");
        var line = Line(1, "train", "--config", dir.File("bad.json"), "--out", dir.File("o"), "--device", "cpu");
        Assert.DoesNotContain("BytePositionInLine", line);
        Assert.EndsWith($"{dir.File("bad.json")}: '}}' is an invalid start of a value (line 1)", line);
    }

    [Fact]
    public void A_preset_that_does_not_fit_the_checkpoint_names_the_sizes()
    {
        using var dir = new TestData.TempDir();
        Assert.Equal($"invariscope: error: {Checkpoint}: the checkpoint has dim 64, depth 4, patch 4, image size 32, MLP width 256; " +
                     "preset vit_base_patch32_224 has dim 768, depth 12, patch 32, image size 224, MLP width 3072 (set with --preset)",
            Line(1, "extract", "--weights", Checkpoint, "--preset", "vit_base_patch32_224", "--data", "synthetic:shapes", "--out", dir.File("r.safetensors"), "--device", "cpu"));
        // only what differs beside dim and depth
        Assert.Equal($"invariscope: error: {Checkpoint}: the checkpoint has dim 64, depth 4, image size 32; " +
                     "preset vit_micro_patch4_16 has dim 64, depth 4, image size 16 (set with --preset)",
            Line(1, "extract", "--weights", Checkpoint, "--preset", "vit_micro_patch4_16", "--data", "synthetic:shapes", "--out", dir.File("r.safetensors"), "--device", "cpu"));
        File.WriteAllText(dir.File("deeper.json"), File.ReadAllText(TestData.Fixture("timm_vit_tiny32_config.json")).Replace("\"depth\": 4", "\"depth\": 5"));
        Assert.Equal($"invariscope: error: {Checkpoint}: the checkpoint has dim 64, depth 4; config {dir.File("deeper.json")} has dim 64, depth 5",
            Line(1, "extract", "--weights", Checkpoint, "--config", dir.File("deeper.json"), "--data", "synthetic:shapes", "--out", dir.File("r.safetensors"), "--device", "cpu"));
    }

    [Theory]
    [InlineData("zip", "not safetensors but a zip archive: a PyTorch checkpoint")]
    [InlineData("pickle", "not safetensors but a Python pickle: a PyTorch checkpoint")]
    public void A_pytorch_checkpoint_gets_the_line_that_converts_it(string kind, string expected)
    {
        using var dir = new TestData.TempDir();
        var path = dir.File("model.pth");
        if (kind == "zip")
        {
            using var zip = new System.IO.Compression.ZipArchive(File.Create(path), System.IO.Compression.ZipArchiveMode.Create);
            using var entry = zip.CreateEntry("archive/data.pkl").Open();
            entry.Write([0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E]); // a pickled {}
        }
        else File.WriteAllBytes(path, [0x80, 0x02, 0x7D, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x01, 0x4B, 0x01, 0x73, 0x2E]);
        var line = Line(1, "extract", "--weights", path, "--preset", "vit_micro_patch4_16", "--data", "synthetic:shapes", "--out", dir.File("r.safetensors"), "--device", "cpu");
        Assert.StartsWith($"invariscope: error: {path}: {expected}", line);
        Assert.Contains($"sd = torch.load('{path}', map_location='cpu')", line);
        Assert.Contains($"save_file({{k: v.contiguous() for k, v in sd.items()}}, '{dir.File("model.safetensors")}')", line);
    }

    [Fact]
    public void A_safetensors_header_whose_length_starts_like_a_pickle_is_still_read()
    {
        // a 640-byte header: its length's first bytes are 0x80 0x02, the magic of a protocol-2 pickle
        using var dir = new TestData.TempDir();
        var json = Encoding.UTF8.GetBytes("{\"__metadata__\":{\"a\":\"b\"}}".PadRight(640));
        var bytes = new byte[8 + json.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        Assert.Equal([0x80, 0x02], bytes[..2]);
        File.WriteAllBytes(dir.File("t.safetensors"), bytes);
        using var file = Safetensors.Open(dir.File("t.safetensors"));
        Assert.Equal("b", file.Metadata["a"]);
    }

    [Fact]
    public void Finetune_help_lists_what_finetuning_adds_and_points_to_train_for_the_rest()
    {
        var (code, help, _) = TestData.Cli("finetune", "--help");
        Assert.Equal(0, code);
        var options = help.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("--", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]).ToList();
        Assert.Equal(["--preset", "--strategy", "--init", "--init-config"], options);
        Assert.Contains("see 'invariscope train --help'", help);
        Assert.Contains("lp_epochs", help);
        var (_, trainHelp, _) = TestData.Cli("train", "--help");
        Assert.Contains("--data", trainHelp);
        Assert.Contains("--epochs", trainHelp);
        // hidden from the help, still taken
        Assert.Equal("invariscope: usage: --epochs x: epochs: expected an integer (see 'invariscope finetune --help')",
            Line(2, "finetune", "--init", Checkpoint, "--epochs", "x", "--out", "/nonexistent/o"));
    }

    [Fact]
    public void Usage_errors_exit_2_and_failures_exit_1()
    {
        using var dir = new TestData.TempDir();
        Assert.StartsWith("invariscope: usage: Option '--checkpoint' is required", Line(2, "evaluate", "--data", "synthetic:shapes"));
        Assert.StartsWith("invariscope: usage: --preset nope: unknown (known: paper)", Line(2, "train", "--preset", "nope", "--out", dir.File("o")));
        Assert.StartsWith($"invariscope: error: {dir.File("missing.safetensors")}", Line(1, "extract", "--weights", dir.File("missing.safetensors"),
            "--preset", "vit_micro_patch4_16", "--data", "synthetic:shapes", "--out", dir.File("r.safetensors"), "--device", "cpu"));
    }
}
