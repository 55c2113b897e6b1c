using System.Globalization;
using Microsoft.Diagnostics.Runtime;

// Live heap by type in a dump (`createdump -f FILE PID`, shipped with the runtime): objects reachable from the roots,
// so garbage the GC has not collected yet does not count. No dotnet-gcdump or dotnet-dump is served here.
// Usage: dotnet run --project tools/HeapStat -- DUMP [BEFORE_DUMP [PER]] [--referrers TYPE]
//   one dump: type, count, bytes, largest first; two: the growth from BEFORE_DUMP, divided by PER (e.g. connections).
//   --referrers TYPE: objects of TYPE (e.g. System.Byte[]) are split by the type of the object they were reached from,
//   to tell whose they are.
var focusAt = Array.IndexOf(args, "--referrers");
var focus = focusAt >= 0 && focusAt + 1 < args.Length ? args[focusAt + 1] : null;
if (focusAt >= 0)
{
    args = [.. args[..focusAt], .. args[Math.Min(args.Length, focusAt + 2)..]];
}

if (args.Length is < 1 or > 3 || (focusAt >= 0 && focus is null))
{
    Console.Error.WriteLine("usage: HeapStat DUMP [BEFORE_DUMP [PER]] [--referrers TYPE]");
    return 2;
}

var after = LiveByType(args[0], focus);
var before = args.Length > 1 ? LiveByType(args[1], focus) : [];
var per = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 1;
// Every type of either dump: a type gone from the later one is a shrink that the total must include.
var growth = after.Keys.Union(before.Keys)
    .Select(type => (Type: type, Count: after.GetValueOrDefault(type).Count - before.GetValueOrDefault(type).Count, Bytes: after.GetValueOrDefault(type).Bytes - before.GetValueOrDefault(type).Bytes))
    .OrderByDescending(g => g.Bytes).ToList();
foreach (var (type, count, bytes) in growth.Where(g => g.Bytes != 0))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bytes / per,12:0.0}\t{count / per,10:0.00}\t{type}"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{growth.Sum(g => g.Bytes) / per,12:0.0}\t{growth.Sum(g => g.Count) / per,10:0.00}\t(total live)"));
return 0;

static Dictionary<string, (long Count, long Bytes)> LiveByType(string dump, string? focus)
{
    using var target = DataTarget.LoadDump(dump);
    var clr = target.ClrVersions[0];
    // The DAC of the runtime that wrote the dump sits beside this tool's runtime when both are the same version; this
    // machine has no symbol server to fetch another.
    var dac = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "libmscordaccore.so");
    // A version of 0 means the dump does not say (createdump's dumps here): nothing to compare then.
    if (clr.Version.Major > 0 && (clr.Version.Major != Environment.Version.Major || clr.Version.Minor != Environment.Version.Minor
        || (clr.Version.Build >= 0 && clr.Version.Build != Environment.Version.Build)))
    {
        Console.Error.WriteLine($"warning: {dump} was written by .NET {clr.Version}, this tool runs on {Environment.Version}: its reading may be wrong.");
    }

    using var runtime = File.Exists(dac) ? clr.CreateRuntime(dac, ignoreMismatch: true) : clr.CreateRuntime();
    var heap = runtime.Heap;
    var seen = new HashSet<ulong>();
    var pending = new Stack<ulong>();
    foreach (var root in heap.EnumerateRoots())
    {
        if (root.Object.Address != 0 && seen.Add(root.Object.Address))
        {
            pending.Push(root.Object.Address);
        }
    }

    var byType = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal);
    var referrers = new Dictionary<ulong, string>();
    while (pending.Count > 0)
    {
        var address = pending.Pop();
        var obj = heap.GetObject(address);
        if (!obj.IsValid)
        {
            continue;
        }

        var name = obj.Type?.Name ?? "?";
        if (focus is not null && name == focus)
        {
            name = $"{name} <- {(referrers.Remove(address, out var referrer) ? referrer : "(root)")}";
        }

        var sum = byType.GetValueOrDefault(name);
        byType[name] = (sum.Count + 1, sum.Bytes + (long)obj.Size);
        foreach (var reference in obj.EnumerateReferences(carefully: true))
        {
            if (reference.Address != 0 && seen.Add(reference.Address))
            {
                pending.Push(reference.Address);
                if (focus is not null && reference.Type?.Name == focus)
                {
                    referrers[reference.Address] = obj.Type?.Name ?? "?";
                }
            }
        }
    }

    return byType;
}
