import { describe, expect, it } from "vitest";
import { blobLink, GITHUB_COM, gitRemoteUrl, hostFromEnv, webFromApi } from "../../src/github/hosts.ts";

describe("the GitHub host", () => {
  it("is github.com unless told otherwise", () => {
    expect(hostFromEnv({})).toEqual(GITHUB_COM);
  });
  it("reads GHE_HOST and GHE_PROTOCOL the way Probot does", () => {
    expect(hostFromEnv({ GHE_HOST: "ghe.acme.internal" })).toEqual({
      apiUrl: "https://ghe.acme.internal/api/v3",
      webUrl: "https://ghe.acme.internal",
    });
    expect(hostFromEnv({ GHE_HOST: "ghe.acme.internal:8443/", GHE_PROTOCOL: "http" })).toEqual({
      apiUrl: "http://ghe.acme.internal:8443/api/v3",
      webUrl: "http://ghe.acme.internal:8443",
    });
  });
  it("reads GitHub Actions' GITHUB_API_URL / GITHUB_SERVER_URL for the CLI", () => {
    expect(hostFromEnv({ GITHUB_API_URL: "https://ghe.acme.internal/api/v3/" })).toEqual({
      apiUrl: "https://ghe.acme.internal/api/v3",
      webUrl: "https://ghe.acme.internal",
    });
    expect(webFromApi("https://api.github.com")).toBe("https://github.com");
    expect(webFromApi("https://api.acme.ghe.com")).toBe("https://acme.ghe.com");
  });
  it("builds git remotes and file links on that host, never github.com", () => {
    const ghes = hostFromEnv({ GHE_HOST: "ghe.acme.internal" });
    expect(gitRemoteUrl(ghes, "acme", "infra")).toBe("https://ghe.acme.internal/acme/infra.git");
    expect(blobLink(ghes, { owner: "acme", repo: "infra" }, "abc123", "envs/prod/main tf.tf", 14)).toBe(
      "https://ghe.acme.internal/acme/infra/blob/abc123/envs/prod/main%20tf.tf#L14",
    );
  });
});
