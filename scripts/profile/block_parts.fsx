// Where a micro-ViT block's time goes at STIR's shapes (640 rows of 17 tokens, width 64, 4 heads), forward plus the
// input gradient, one thread: the qkv projection, the attention core (as the model computes it, and as it did
// before issue 16 indexed the permuted qkv three times), the output projection and the MLP. Each part prints its
// milliseconds and its share of the block's FLOPs, so what costs more than its arithmetic shows.
// Run after a Release build: scripts/profile/block_parts.sh
#r "../../src/Invariscope.Cli/bin/Release/net10.0/TorchSharp.dll"
#r "../../src/Invariscope.Cli/bin/Release/net10.0/Invariscope.Core.dll"
open TorchSharp
Invariscope.Runtime.TorchRuntime.Initialize(null)
torch.set_num_threads(1)
let R, T, D, H, M = 640L, 17L, 64L, 4L, 256L
let x = torch.randn([| R; T; D |]).requires_grad_(true)
let wQkv, wProj = torch.randn([| 3L * D; D |]) * 0.1, torch.randn([| D; D |]) * 0.1
let w1, w2 = torch.randn([| M; D |]) * 0.1, torch.randn([| D; M |]) * 0.1
let scale = torch.tensor(0.25f)
let heads (qkv: torch.Tensor) = qkv.reshape([| R; T; 3L; H; D / H |]).permute([| 2L; 0L; 3L; 1L; 4L |])
let core (q: torch.Tensor) (k: torch.Tensor) (v: torch.Tensor) = torch.matmul(torch.softmax(torch.matmul(q, k.transpose(-2, -1)).mul_(scale), -1), v)
let gflop = 2.0 * float (R * T) * float (3L * D * D + D * D + 2L * D * M) * 2.0 / 1e9 // linears, forward and input gradient
let attnGflop = 2.0 * float (R * H) * float (2L * T * T * (D / H)) * 3.0 / 1e9 // two bmm forward, four backward
let measure (f: unit -> torch.Tensor) =
    let once () =
        use s = torch.NewDisposeScope()
        torch.autograd.grad([| f().sum() |], [| x |]) |> ignore
    for _ in 1..2 do once ()
    let runs = 5
    let sw = System.Diagnostics.Stopwatch.StartNew()
    for _ in 1..runs do once ()
    sw.Elapsed.TotalMilliseconds / float runs
let linear (a: torch.Tensor) (w: torch.Tensor) = torch.nn.functional.linear(a, w)
let parts: (string * float * (unit -> torch.Tensor)) list =
    [ "qkv projection", gflop / 4.0, (fun () -> linear x wQkv)
      "qkv + attention core (the model's)", gflop / 4.0 + attnGflop, (fun () ->
          let p = (heads (linear x wQkv)).contiguous().unbind(0) in core p.[0] p.[1] p.[2])
      "qkv + attention core (three selects, before)", gflop / 4.0 + attnGflop, (fun () ->
          let p = heads (linear x wQkv) in core (p.select(0L, 0L)) (p.select(0L, 1L)) (p.select(0L, 2L)))
      "output projection", gflop / 12.0, (fun () -> linear x wProj)
      "MLP (fc1, exact GELU, fc2)", gflop * 2.0 / 3.0, (fun () -> linear (torch.nn.functional.gelu(linear x w1)) w2) ]
// rounds interleave the parts, so a change in the machine's load falls on all of them; the median of 7 is printed
let rounds = [ for _ in 1..7 -> [ for (_, _, f) in parts -> measure f ] ]
parts |> List.iteri (fun i (name, flops, _) ->
    let ms = rounds |> List.map (fun r -> r.[i]) |> List.sort
    printfn "%-46s %7.2f ms (%5.2f-%5.2f)  %4.1f%% of the block's FLOPs" name ms.[3] ms.[0] ms.[6] (100.0 * flops / (gflop + attnGflop)))
