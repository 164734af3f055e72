using System.CommandLine;
using Invariscope.Study;

namespace Invariscope.Cli.Commands;

/// <summary><c>invariscope demo</c>: the embedded default study (README's first command).</summary>
public static class DemoCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var d = new DemoOptions();
        var output = new Option<string>("--out") { Description = "study folder (resumes what is there)", DefaultValueFactory = _ => d.Out };
        var images = new Option<int>("--images") { Description = "synthetic images per task", DefaultValueFactory = _ => d.Images };
        var pretrain = new Option<int>("--pretrain-epochs") { Description = "epochs on task A", DefaultValueFactory = _ => d.PretrainEpochs };
        var finetune = new Option<int>("--finetune-epochs") { Description = "epochs on task B (finetune and scratch)", DefaultValueFactory = _ => d.FinetuneEpochs };
        var seed = new Option<int>("--seed") { Description = "seed of everything", DefaultValueFactory = _ => d.Seed };
        var command = new Command("demo", "Pretrain a tiny ViT on synthetic task A, finetune on task B vs. from scratch, and compare every layer with the start.")
        {
            output, images, pretrain, finetune, seed,
        };
        var (device, torchLib) = CommonOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dev = CommonOptions.Resolve(parse, device, torchLib);
            var stdout = parse.InvocationConfiguration.Output;
            var options = d with
            {
                Out = parse.GetValue(output)!, Images = parse.GetValue(images), PretrainEpochs = parse.GetValue(pretrain),
                FinetuneEpochs = parse.GetValue(finetune), Seed = parse.GetValue(seed),
            };
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                var s = Demo.Run(options, dev, stdout.WriteLine, TrainCommand.StepBar(), cancel.Token);
                stdout.WriteLine();
                stdout.WriteLine($"validation accuracy on task B: finetuned from A {s.FinetuneValAcc:P1}, from scratch {s.ScratchValAcc:P1} (task A: {s.PretrainValAcc:P1})");
                stdout.WriteLine("linear CKA with the pretrained start, per layer:");
                stdout.WriteLine($"  {"layer",-11} {"finetuned",9} {"scratch",9}");
                foreach (var l in s.Layers) stdout.WriteLine($"  {l.Layer,-11} {l.CkaFinetuned,9:F3} {l.CkaScratch,9:F3}");
                stdout.WriteLine($"results: {Path.GetFullPath(Path.Combine(options.Out, "summary.json"))}");
                return 0;
            }
            catch (OperationCanceledException)
            {
                parse.InvocationConfiguration.Error.WriteLine("invariscope: stopped; run the same command again to resume");
                return 130;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }
}
