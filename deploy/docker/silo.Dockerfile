# The silo image. Build from the repository root: docker build -f deploy/docker/silo.Dockerfile -t communityscale/silo .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Silo/Silo.csproj -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
LABEL org.opencontainers.image.title="communityscale/silo"
WORKDIR /app
COPY --from=build /app .
# 8080: health (/health/live, /health/ready); 11111: silo-to-silo; 30000: gateway for Orleans clients.
ENV Urls=http://+:8080 Orleans__ListenOnAnyAddress=true
# Two glibc malloc arenas, not 8 per core: the runtime's native heap otherwise keeps growing across arenas under
# load (docs/operations.md, "Memory").
ENV MALLOC_ARENA_MAX=2
EXPOSE 8080 11111 30000
USER app
ENTRYPOINT ["dotnet", "CommunityScale.Silo.dll"]
