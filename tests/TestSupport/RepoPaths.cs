namespace CommunityScale.TestSupport;

public static class RepoPaths
{
    /// <summary>The repository root: the folder holding CommunityScale.sln above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CommunityScale.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"CommunityScale.sln not found above {AppContext.BaseDirectory}.");
    }
}
