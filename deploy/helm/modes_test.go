//go:build packaging

package helm

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDefaults: the default values give a hardened Deployment serving HTTP
// on 8080 with both probes, a Service, a PodDisruptionBudget, a
// ServiceAccount without a token, and a config chmcp accepts; no Secret
// (none was given), no HPA, no ServiceMonitor.
func TestDefaults(t *testing.T) {
	r := render(t)
	if want := []string{"ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"}; !slices.Equal(r.kinds, want) {
		t.Fatalf("kinds %v, want %v", r.kinds, want)
	}
	c := checkHardened(t, r)
	if c.Image != "chmcp:v0.1.0" || !slices.Equal(c.Args, []string{"--config", "/etc/chmcp/config/config.yaml"}) {
		t.Errorf("image %q args %q", c.Image, c.Args)
	}
	if d := r.deployment.Spec; d.Replicas == nil || *d.Replicas != 2 {
		t.Errorf("replicas %v, want 2", d.Replicas)
	}
	// docs/deployment.md: requests cpu 100m, memory 64Mi; limit memory 256Mi; no CPU limit.
	if res := c.Resources; res.Requests["cpu"] != "100m" || res.Requests["memory"] != "64Mi" || res.Limits["memory"] != "256Mi" || res.Limits["cpu"] != "" {
		t.Errorf("resources %+v", res)
	}
	if len(c.Env) != 0 || hasSecretVolume(r) {
		t.Errorf("no secret given, yet env %+v / a secret volume", c.Env)
	}
	svc := r.byKind["Service"]
	if at(svc, "spec.sessionAffinity") != "ClientIP" || len(at(svc, "spec.ports").([]any)) != 1 || at(svc, "spec.ports").([]any)[0].(map[string]any)["targetPort"] != "http" {
		t.Errorf("Service spec %v", svc["spec"])
	}
	if at(r.byKind["PodDisruptionBudget"], "spec.maxUnavailable") != 1 {
		t.Errorf("PDB %v", r.byKind["PodDisruptionBudget"]["spec"])
	}
	if at(r.byKind["ServiceAccount"], "automountServiceAccountToken") != false {
		t.Errorf("the ServiceAccount mounts an API token")
	}
	got := chmcpAccepts(t, r, nil)
	if at(got, "server.transport") != "http" || at(got, "server.address") != "0.0.0.0" || at(got, "clickhouse.host") != "clickhouse" || at(got, "logging.format") != "json" {
		t.Errorf("effective config %v", got)
	}
}

// TestPasswordMode: the password travels from the Secret to
// CLICKHOUSE_PASSWORD, never through the ConfigMap or a file.
func TestPasswordMode(t *testing.T) {
	r := render(t, "testdata/password.yaml")
	if want := []string{"ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service", "ServiceAccount"}; !slices.Equal(r.kinds, want) {
		t.Fatalf("kinds %v, want %v", r.kinds, want)
	}
	c := checkHardened(t, r)
	if r.secret["clickhouse-password"] != "reader-password-from-values" || len(r.secret) != 1 {
		t.Errorf("Secret %v", r.secret)
	}
	if len(c.Env) != 1 || c.Env[0].Name != "CLICKHOUSE_PASSWORD" || c.Env[0].ValueFrom == nil ||
		c.Env[0].ValueFrom.SecretKeyRef.Name != "rel-chmcp-secrets" || c.Env[0].ValueFrom.SecretKeyRef.Key != "clickhouse-password" {
		t.Errorf("env %+v", c.Env)
	}
	if hasSecretVolume(r) || strings.Contains(r.configText, "reader-password") {
		t.Errorf("the password must reach chmcp through the environment only")
	}
	got := chmcpAccepts(t, r, nil)
	if at(got, "clickhouse.username") != "mcp_reader" || at(got, "clickhouse.password") != "[REDACTED]" {
		t.Errorf("effective config: username %v, password %v", at(got, "clickhouse.username"), at(got, "clickhouse.password"))
	}
}

// TestClusterSecretMode: the interserver secret is a file from the Secret,
// read-only, readable by the pod's group only, named by cluster_secret_file.
func TestClusterSecretMode(t *testing.T) {
	r := render(t, "testdata/cluster-secret.yaml")
	checkHardened(t, r)
	checkSecretFiles(t, r, "rel-chmcp-secrets", "cluster-secret")
	if at(r.config, "clickhouse.cluster_secret_file") != "/etc/chmcp/secrets/cluster-secret" || strings.Contains(r.configText, "interserver-secret") {
		t.Errorf("config.yaml:\n%s", r.configText)
	}
	got := chmcpAccepts(t, r, nil)
	if at(got, "clickhouse.cluster_name") != "analytics" || at(got, "clickhouse.tls.enabled") != true {
		t.Errorf("effective config %v", got["clickhouse"])
	}
}

// TestOAuthMode: OAuth over the cluster secret on several replicas: the
// signing key and upstream client secret are files; metrics get a port, a
// Service port and a ServiceMonitor; the HPA owns the replica count.
func TestOAuthMode(t *testing.T) {
	r := render(t, "testdata/oauth.yaml")
	want := []string{"ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret", "Service", "ServiceAccount", "ServiceMonitor"}
	if !slices.Equal(r.kinds, want) {
		t.Fatalf("kinds %v, want %v", r.kinds, want)
	}
	c := checkHardened(t, r)
	checkSecretFiles(t, r, "rel-chmcp-secrets", "cluster-secret", "oauth-client-secret", "oauth-signing-key")
	if at(r.config, "server.oauth.signing_key_file") != "/etc/chmcp/secrets/oauth-signing-key" ||
		at(r.config, "server.oauth.upstream.client_secret_file") != "/etc/chmcp/secrets/oauth-client-secret" ||
		at(r.config, "server.metrics.address") != "0.0.0.0:9464" {
		t.Errorf("config.yaml:\n%s", r.configText)
	}
	if r.deployment.Spec.Replicas != nil {
		t.Errorf("replicas %d set next to an HPA", *r.deployment.Spec.Replicas)
	}
	hpa := r.byKind["HorizontalPodAutoscaler"]
	if at(hpa, "spec.minReplicas") != 3 || at(hpa, "spec.maxReplicas") != 9 || at(hpa, "spec.scaleTargetRef.name") != "rel-chmcp" {
		t.Errorf("HPA %v", hpa["spec"])
	}
	if !slices.ContainsFunc(c.Ports, func(p port) bool {
		return p.Name == "metrics" && p.ContainerPort == 9464
	}) {
		t.Errorf("no metrics container port: %+v", c.Ports)
	}
	if len(c.Env) != 1 || c.Env[0].Name != "GOMEMLIMIT" || c.Env[0].Value != "200MiB" {
		t.Errorf("env %+v", c.Env)
	}
	sm := r.byKind["ServiceMonitor"]
	ep := at(sm, "spec.endpoints").([]any)[0].(map[string]any)
	if ep["port"] != "metrics" || ep["path"] != "/metrics" || at(sm, "metadata.labels.release") != "prom" {
		t.Errorf("ServiceMonitor %v", sm)
	}
	if ports := at(r.byKind["Service"], "spec.ports").([]any); len(ports) != 2 {
		t.Errorf("Service ports %v", ports)
	}
	got := chmcpAccepts(t, r, nil)
	if at(got, "server.oauth.enabled") != true || at(got, "server.oauth.store") != "clickhouse" || at(got, "server.metrics.enabled") != true {
		t.Errorf("effective config %v", got["server"])
	}
}

// TestJWEMode: keys from a Secret the operator manages (existingSecret):
// the chart creates none, mounts the JWE key as a file and passes the
// optional keys as optional environment variables.
func TestJWEMode(t *testing.T) {
	r := render(t, "testdata/jwe.yaml")
	if want := []string{"ConfigMap", "Deployment", "Service", "ServiceAccount"}; !slices.Equal(r.kinds, want) {
		t.Fatalf("kinds %v, want %v (no Secret: it is the operator's; no PDB: disabled)", r.kinds, want)
	}
	c := checkHardened(t, r)
	checkSecretFiles(t, r, "chmcp-keys", "jwe-secret-key")
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef.Name != "chmcp-keys" || !e.ValueFrom.SecretKeyRef.Optional {
			t.Errorf("env %s: %+v", e.Name, e.ValueFrom)
			continue
		}
		env[e.Name] = e.ValueFrom.SecretKeyRef.Key
	}
	if len(env) != 3 || env["CLICKHOUSE_PASSWORD"] != "clickhouse-password" || env["MCP_JWT_SECRET_KEY"] != "jwt-secret-key" || env["MCP_JWE_MINT_ADMIN_KEY"] != "jwe-mint-admin-key" {
		t.Errorf("env from the Secret: %v", env)
	}
	got := chmcpAccepts(t, r, map[string]string{
		"jwe-secret-key":     "jwe-key-0123456789abcdef0123456789abcdef",
		"jwt-secret-key":     "jwt-key-0123456789abcdef0123456789abcdef",
		"jwe-mint-admin-key": "mint-key-0123456789abcdef0123456789abcdef",
	})
	if at(got, "server.jwe.enabled") != true || at(got, "server.jwe.jwt_secret_key") != "[REDACTED]" || at(got, "server.jwe.mint_admin_key") != "[REDACTED]" {
		t.Errorf("effective config %v", got["server"])
	}
}

// TestRefusals: values that would deploy something broken or leak a
// secret fail helm template, naming the value and the reason.
func TestRefusals(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"--set=config.clickhouse.password=hunter2", "config.clickhouse.password: secrets do not go in the ConfigMap"},
		{"--set=config.server.oauth.signing_key=k", "config.server.oauth.signing_key: secrets do not go in the ConfigMap"},
		{"--set=config.clickhouse.cluster_name=c", "secrets.clusterSecret: required with config.clickhouse.cluster_name"},
		{"--set=config.server.oauth.enabled=true", "secrets.oauthSigningKey: required with config.server.oauth.enabled"},
		{"--set=config.server.oauth.enabled=true,secrets.oauthSigningKey=k,secrets.oauthClientSecret=c", "config.server.oauth.store: must be clickhouse with more than one replica"},
		{"--set=config.server.jwe.enabled=true", "secrets.jweSecretKey: required with config.server.jwe.enabled"},
		{"--set=config.server.port=9000", "config.server.port: set by the chart"},
		{"--set=metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.enabled: needs metrics.enabled"},
		// values.schema.json: a misspelt key is refused, not ignored.
		{"--set=replicas=3", "additional properties 'replicas' not allowed"},
		{"--set=secrets.clusterSecrets=s", "at '/secrets': additional properties 'clusterSecrets' not allowed"},
		{"--set=goMemLimit=200M", "at '/goMemLimit': '200M' does not match pattern"},
	} {
		out, err := helm(t, "template", "rel", "chmcp", c.name)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("helm template %s: err %v, want an error saying %q; got:\n%.400s", c.name, err, c.want, out)
		}
	}
}

// checkHardened: non-root with a read-only root filesystem, no
// capabilities, no privilege escalation, no API token; probes on /livez
// and /health; the config from the ConfigMap. It returns the container.
func checkHardened(t *testing.T, r rendered) container {
	t.Helper()
	p := r.deployment.Spec.Template.Spec
	if len(p.Containers) != 1 {
		t.Fatalf("%d containers", len(p.Containers))
	}
	c := p.Containers[0]
	sc := p.SecurityContext
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser != 65532 || sc.RunAsGroup != 65532 || sc.FSGroup != 65532 || sc.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("pod securityContext: runAsNonRoot %s, user %d, group %d, fsGroup %d, seccomp %q",
			deref(sc.RunAsNonRoot), sc.RunAsUser, sc.RunAsGroup, sc.FSGroup, sc.SeccompProfile.Type)
	}
	csc := c.SecurityContext
	if csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
		!slices.Equal(csc.Capabilities.Drop, []string{"ALL"}) {
		t.Errorf("container securityContext: readOnlyRootFilesystem %s, allowPrivilegeEscalation %s, drop %v",
			deref(csc.ReadOnlyRootFilesystem), deref(csc.AllowPrivilegeEscalation), csc.Capabilities.Drop)
	}
	if p.AutomountServiceAccountToken == nil || *p.AutomountServiceAccountToken || p.ServiceAccountName != "rel-chmcp" {
		t.Errorf("service account %q, automount %s", p.ServiceAccountName, deref(p.AutomountServiceAccountToken))
	}
	if c.LivenessProbe.HTTPGet.Path != "/livez" || c.LivenessProbe.HTTPGet.Port != "http" ||
		c.ReadinessProbe.HTTPGet.Path != "/health" || c.ReadinessProbe.HTTPGet.Port != "http" {
		t.Errorf("probes: liveness %+v, readiness %+v", c.LivenessProbe, c.ReadinessProbe)
	}
	if len(c.Ports) == 0 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("ports %+v", c.Ports)
	}
	if p.TerminationGracePeriodSeconds <= 35 {
		t.Errorf("terminationGracePeriodSeconds %d: must exceed server.shutdown_timeout (30s) + 5s for cut calls", p.TerminationGracePeriodSeconds)
	}
	if !slices.ContainsFunc(p.Volumes, func(v volume) bool {
		return v.Name == "config" && v.ConfigMap != nil && v.ConfigMap.Name == "rel-chmcp"
	}) ||
		!slices.ContainsFunc(c.VolumeMounts, func(m volumeMount) bool {
			return m.Name == "config" && m.MountPath == "/etc/chmcp/config" && m.ReadOnly
		}) {
		t.Errorf("config volume %+v, mounts %+v", p.Volumes, c.VolumeMounts)
	}
	for _, k := range []string{"checksum/config", "checksum/secrets"} {
		if len(r.deployment.Spec.Template.Metadata.Annotations[k]) != 64 {
			t.Errorf("pod annotation %s missing: pods would not roll on a change", k)
		}
	}
	return c
}

func deref(b *bool) string {
	if b == nil {
		return "unset"
	}
	return strconv.FormatBool(*b)
}

func hasSecretVolume(r rendered) bool {
	return slices.ContainsFunc(r.deployment.Spec.Template.Spec.Volumes, func(v volume) bool { return v.Secret != nil })
}

// checkSecretFiles: exactly these keys of the Secret are mounted, read-only,
// mode 0440, under /etc/chmcp/secrets.
func checkSecretFiles(t *testing.T, r rendered, secretName string, keys ...string) {
	t.Helper()
	p := r.deployment.Spec.Template.Spec
	i := slices.IndexFunc(p.Volumes, func(v volume) bool { return v.Secret != nil })
	if i < 0 {
		t.Fatalf("no secret volume")
	}
	s := p.Volumes[i].Secret
	var got []string
	for _, it := range s.Items {
		if it.Path != it.Key {
			t.Errorf("item %+v", it)
		}
		got = append(got, it.Key)
	}
	if s.SecretName != secretName || s.DefaultMode != 0o440 || !slices.Equal(got, keys) {
		t.Errorf("secret volume %s mode %o items %v, want %s 0440 %v", s.SecretName, s.DefaultMode, got, secretName, keys)
	}
	m := slices.IndexFunc(p.Containers[0].VolumeMounts, func(m volumeMount) bool {
		return m.Name == p.Volumes[i].Name
	})
	if m < 0 || p.Containers[0].VolumeMounts[m].MountPath != "/etc/chmcp/secrets" || !p.Containers[0].VolumeMounts[m].ReadOnly {
		t.Errorf("secret mount %+v", p.Containers[0].VolumeMounts)
	}
	if r.secret != nil {
		for _, k := range keys {
			if r.secret[k] == "" {
				t.Errorf("the Secret has no %s", k)
			}
		}
	}
}

// chmcpAccepts lays out what the pod would see (the config file, the
// mounted Secret keys, the environment) in a temporary directory and runs
// `chmcp config` on it: chmcp must accept the configuration. It returns
// the effective configuration. own holds the keys of an existingSecret.
func chmcpAccepts(t *testing.T, r rendered, own map[string]string) map[string]any {
	t.Helper()
	secret := r.secret
	if own != nil {
		secret = own
	}
	dir := t.TempDir()
	p := r.deployment.Spec.Template.Spec
	for _, v := range p.Volumes {
		if v.Secret == nil {
			continue
		}
		for _, it := range v.Secret.Items {
			value, ok := secret[it.Key]
			if !ok {
				t.Fatalf("the pod mounts Secret key %s, which is not there", it.Key)
			}
			if err := os.WriteFile(filepath.Join(dir, it.Path), []byte(value), 0o440); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(strings.ReplaceAll(r.configText, "/etc/chmcp/secrets/", dir+"/")), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	for _, e := range p.Containers[0].Env {
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
			continue
		}
		value, ok := secret[e.ValueFrom.SecretKeyRef.Key]
		if !ok && !e.ValueFrom.SecretKeyRef.Optional {
			t.Fatalf("env %s needs Secret key %s, which is not there", e.Name, e.ValueFrom.SecretKeyRef.Key)
		}
		if ok {
			env = append(env, e.Name+"="+value)
		}
	}
	args := append(slices.Clone(p.Containers[0].Args), "config", "--format", "json")
	if args[0] != "--config" {
		t.Fatalf("args %q", p.Containers[0].Args)
	}
	args[1] = cfg
	cmd := exec.Command(chmcp, args...)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("chmcp refuses the configuration the chart gives it: %v\n%s\nconfig.yaml:\n%s", err, stderr, r.configText)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("chmcp config: %v\n%s", err, out)
	}
	for _, s := range secret {
		if strings.Contains(string(out), s) {
			t.Errorf("chmcp config printed a secret")
		}
	}
	return got
}
