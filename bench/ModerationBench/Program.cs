using BenchmarkDotNet.Running;

// The cost per message of automatic moderation: ./scripts/bench-moderation (or dotnet run -c Release --project bench/ModerationBench).
BenchmarkSwitcher.FromAssembly(typeof(CommunityScale.Bench.ModerationBenchmarks).Assembly).Run(args);
