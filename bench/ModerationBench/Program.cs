using BenchmarkDotNet.Running;

// Domain costs measured in isolation: automatic moderation per message, forum rendering and search
// (dotnet run -c Release --project bench/ModerationBench [-- --filter *Forum*]).
BenchmarkSwitcher.FromAssembly(typeof(CommunityScale.Bench.ModerationBenchmarks).Assembly).Run(args);
