package deploy

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/profdev/profdev/api"
	"github.com/profdev/profdev/workflows"
)

// The checks here hold the deployment files to the binary: every environment variable they
// set is one cmd/profdev reads, every port is the one the API listens on, every probe path
// is one it serves, the Temporal images are the server release profdev is built with, and
// the namespace jobs register exactly the search attributes the workflows set.

// envVars is cmd/profdev's EnvVars, read from its source (package main cannot be imported).
func envVars(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../cmd/profdev/config.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "EnvVars" {
			return true
		}
		for _, el := range vs.Values[0].(*ast.CompositeLit).Elts {
			s, _ := strconv.Unquote(el.(*ast.BasicLit).Value)
			out = append(out, s)
		}
		return false
	})
	if len(out) == 0 {
		t.Fatal("EnvVars not found in cmd/profdev/config.go")
	}
	return out
}

// served reports whether the API answers path at all (anything but the 404 of no route):
// the dependencies are absent, so /readyz fails, but the route is there.
func served(t *testing.T, path string) bool {
	t.Helper()
	h := api.New(api.Config{}, api.Deps{Log: zerolog.Nop()}).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code != http.StatusNotFound
}

// temporalServerVersion is the go.temporal.io/server version in go.mod, without the v.
func temporalServerVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*go\.temporal\.io/server v(\d+\.\d+\.\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.temporal.io/server not in go.mod")
	}
	return string(m[1])
}

// searchAttributesIn finds Name:Type pairs of profdev's attributes in a namespace script.
func searchAttributesIn(t *testing.T, script string) map[string]enumspb.IndexedValueType {
	t.Helper()
	out := map[string]enumspb.IndexedValueType{}
	for _, m := range regexp.MustCompile(`(Profdev\w+):(\w+)`).FindAllStringSubmatch(script, -1) {
		v, ok := enumspb.IndexedValueType_shorthandValue[m[2]]
		if !ok {
			t.Errorf("search attribute %s has unknown type %s", m[1], m[2])
		}
		out[m[1]] = enumspb.IndexedValueType(v)
	}
	return out
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

type composeFile struct {
	Services map[string]struct {
		Image       string            `json:"image"`
		Command     []string          `json:"command"`
		Environment map[string]string `json:"environment"`
		Expose      []string          `json:"expose"`
		Ports       []string          `json:"ports"`
		StopGrace   string            `json:"stop_grace_period"`
		Healthcheck struct {
			Test []string `json:"test"`
		} `json:"healthcheck"`
		DependsOn map[string]struct {
			Condition string `json:"condition"`
		} `json:"depends_on"`
	} `json:"services"`
}

func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(raw, &cf); err != nil { // merge keys (<<) are resolved here
		t.Fatalf("compose.yaml: %v", err)
	}
	known := envVars(t)
	tag := temporalServerVersion(t)
	counts := map[string]int{}
	var apis []string
	for name, s := range cf.Services {
		img, itag, _ := strings.Cut(s.Image, ":")
		if itag == "" || itag == "latest" {
			t.Errorf("%s: image %q is not pinned to a tag", name, s.Image)
		}
		switch img {
		case "temporalio/server", "temporalio/admin-tools":
			if itag != tag {
				t.Errorf("%s: %s, but profdev is built and tested with server %s", name, s.Image, tag)
			}
		}
		if !strings.HasPrefix(s.Image, "${PROFDEV_IMAGE") {
			continue
		}
		if len(s.Command) != 1 || !slices.Contains([]string{"api", "worker", "migrate"}, s.Command[0]) {
			t.Errorf("%s: command %v is no profdev subcommand", name, s.Command)
			continue
		}
		piece := s.Command[0]
		counts[piece]++
		for k := range s.Environment {
			if !slices.Contains(known, k) {
				t.Errorf("%s sets %s, which profdev does not read", name, k)
			}
		}
		for _, need := range []string{"DATABASE_URL"} {
			if s.Environment[need] == "" {
				t.Errorf("%s: %s is not set", name, need)
			}
		}
		if piece == "migrate" {
			continue
		}
		if s.Environment["TEMPORAL_ADDRESS"] != "temporal:7233" || s.Environment["TEMPORAL_NAMESPACE"] != "profdev" {
			t.Errorf("%s: TEMPORAL_ADDRESS/NAMESPACE = %q/%q", name, s.Environment["TEMPORAL_ADDRESS"], s.Environment["TEMPORAL_NAMESPACE"])
		}
		if s.DependsOn["migrate"].Condition != "service_completed_successfully" {
			t.Errorf("%s does not wait for migrate to complete", name)
		}
		shutdown, err := time.ParseDuration(s.Environment["SHUTDOWN_TIMEOUT"])
		grace, err2 := time.ParseDuration(s.StopGrace)
		if err != nil || err2 != nil || grace <= shutdown {
			t.Errorf("%s: stop_grace_period %q must exceed SHUTDOWN_TIMEOUT %q", name, s.StopGrace, s.Environment["SHUTDOWN_TIMEOUT"])
		}
		switch piece {
		case "api":
			apis = append(apis, name)
			port := portOf(t, s.Environment["HTTP_ADDR"])
			if !slices.Contains(s.Expose, strconv.Itoa(port)) {
				t.Errorf("%s listens on %d (HTTP_ADDR) but exposes %v", name, port, s.Expose)
			}
			hc := strings.Join(s.Healthcheck.Test, " ")
			m := regexp.MustCompile(`http://[^/ ]+:(\d+)(/\S*)`).FindStringSubmatch(hc)
			if m == nil || m[1] != strconv.Itoa(port) || m[2] != "/readyz" || !served(t, m[2]) {
				t.Errorf("%s: health check %q is not /readyz on port %d", name, hc, port)
			}
			for _, k := range []string{"AUTH_PUBLIC_KEY_FILE", "PUBLIC_BASE_URL"} {
				if s.Environment[k] == "" {
					t.Errorf("%s: %s is not set", name, k)
				}
			}
		case "worker":
			for _, k := range []string{"SMTP_HOST", "SMTP_PORT", "SIGNING_DIR"} {
				if s.Environment[k] == "" {
					t.Errorf("%s: %s is not set", name, k)
				}
			}
			if s.Environment["SMTP_HOST"] != "mailpit" {
				t.Errorf("%s: SMTP_HOST %q, want the mail catcher", name, s.Environment["SMTP_HOST"])
			}
		}
	}
	if diff := cmp.Diff(map[string]int{"api": 2, "worker": 2, "migrate": 1}, counts); diff != "" {
		t.Errorf("profdev pieces in compose (-want +got):\n%s", diff)
	}
	for _, need := range []string{"temporal", "temporal-ui", "temporal-schema", "temporal-namespace", "temporal-postgresql", "profdev-postgresql", "proxy", "mailpit"} {
		if _, ok := cf.Services[need]; !ok {
			t.Errorf("compose has no %s service", need)
		}
	}
	if cf.Services["temporal"].Environment["DB"] != "postgres12" {
		t.Errorf("temporal: DB = %q, want postgres12", cf.Services["temporal"].Environment["DB"])
	}

	// The proxy balances over exactly the API services, on the port they listen on.
	conf, err := os.ReadFile("compose/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	var upstream []string
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s+([\w.-]+):(\d+)`).FindAllStringSubmatch(string(conf), -1) {
		upstream = append(upstream, m[1])
		if m[2] != "8080" {
			t.Errorf("nginx upstream %s:%s: the API listens on 8080", m[1], m[2])
		}
	}
	slices.Sort(apis)
	if diff := cmp.Diff(apis, upstream); diff != "" {
		t.Errorf("nginx upstreams vs API services (-api +nginx):\n%s", diff)
	}

	script, err := os.ReadFile("compose/temporal-namespace.sh")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(workflows.SearchAttributes(), searchAttributesIn(t, string(script))); diff != "" {
		t.Errorf("search attributes of compose/temporal-namespace.sh (-workflows +script):\n%s", diff)
	}
}

// TestComposeConfig has Docker Compose itself load and validate the file; it needs no engine.
func TestComposeConfig(t *testing.T) {
	var cmd *exec.Cmd
	if out, err := exec.Command("docker", "compose", "version").CombinedOutput(); err == nil {
		cmd = exec.Command("docker", "compose", "-f", "compose/compose.yaml", "config", "-q")
		t.Logf("validator: docker compose (%s)", strings.TrimSpace(string(out)))
	} else if path, err := exec.LookPath("docker-compose"); err == nil {
		out, _ := exec.Command(path, "version", "--short").CombinedOutput()
		cmd = exec.Command(path, "-f", "compose/compose.yaml", "config", "-q")
		t.Logf("validator: docker-compose %s", strings.TrimSpace(string(out)))
	} else {
		t.Fatal("neither `docker compose` nor `docker-compose` is installed: run deploy/install-deps.sh (apt-get install docker-compose)")
	}
	cmd.Env = append(os.Environ(), "PROFDEV_IMAGE=profdev:test")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compose config: %v\n%s", err, out)
	}
}

// kustomized renders deploy/k8s with kubectl's built-in kustomize.
func kustomized(t *testing.T) [][]byte {
	t.Helper()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatal("kubectl is not installed (it renders deploy/k8s with `kubectl kustomize`): install the kubectl package")
	}
	out, err := exec.Command("kubectl", "kustomize", "k8s").Output()
	if err != nil {
		t.Fatalf("kubectl kustomize k8s: %v", err)
	}
	var docs [][]byte
	for _, d := range bytes.Split(out, []byte("\n---\n")) {
		if len(bytes.TrimSpace(d)) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

// TestKubernetesManifests decodes every rendered object strictly into the Kubernetes API
// types (an unknown or mistyped field fails), then holds them to the binary.
func TestKubernetesManifests(t *testing.T) {
	known := envVars(t)
	deployments := map[string]*appsv1.Deployment{}
	var pdbs []*policyv1.PodDisruptionBudget
	var jobs []*batchv1.Job
	configMaps := map[string]map[string]string{}
	secrets := map[string]map[string]string{}
	services := map[string]*corev1.Service{}
	for _, doc := range kustomized(t) {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatal(err)
		}
		var obj any
		switch meta.Kind {
		case "Deployment":
			obj = &appsv1.Deployment{}
		case "Service":
			obj = &corev1.Service{}
		case "PodDisruptionBudget":
			obj = &policyv1.PodDisruptionBudget{}
		case "Job":
			obj = &batchv1.Job{}
		case "ConfigMap":
			obj = &corev1.ConfigMap{}
		case "Secret":
			obj = &corev1.Secret{}
		case "Namespace":
			obj = &corev1.Namespace{}
		default:
			t.Errorf("unexpected kind %s", meta.Kind)
			continue
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			t.Errorf("%s does not decode strictly: %v\n%s", meta.Kind, err, doc)
			continue
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			deployments[o.Name] = o
		case *corev1.Service:
			services[o.Name] = o
		case *policyv1.PodDisruptionBudget:
			pdbs = append(pdbs, o)
		case *batchv1.Job:
			jobs = append(jobs, o)
		case *corev1.ConfigMap:
			configMaps[o.Name] = o.Data
		case *corev1.Secret:
			secrets[o.Name] = o.StringData
		}
	}
	settings := map[string]string{}
	checkEnv := func(where string, pod corev1.PodSpec) map[string]string {
		env := map[string]string{}
		for _, c := range pod.Containers {
			if c.Image != "registry.example.gov/profdev:1.0.0" {
				continue
			}
			for _, from := range c.EnvFrom {
				var data map[string]string
				var ok bool
				switch {
				case from.ConfigMapRef != nil:
					data, ok = configMaps[from.ConfigMapRef.Name]
				case from.SecretRef != nil:
					data, ok = secrets[from.SecretRef.Name]
				}
				if !ok {
					t.Errorf("%s: envFrom refers to a ConfigMap or Secret that is not in the manifests", where)
				}
				for k, v := range data {
					env[k] = v
				}
			}
			for _, e := range c.Env {
				env[e.Name] = e.Value
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s/%s: needs cpu and memory requests and a memory limit", where, c.Name)
			}
		}
		for k := range env {
			if !slices.Contains(known, k) {
				t.Errorf("%s sets %s, which profdev does not read", where, k)
			}
		}
		return env
	}
	for name, want := range map[string]string{"profdev-api": "api", "profdev-worker": "worker"} {
		d, ok := deployments[name]
		if !ok {
			t.Errorf("no Deployment %s", name)
			continue
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
			t.Errorf("%s: fewer than 2 replicas", name)
		}
		pod := d.Spec.Template.Spec
		if len(pod.Containers) != 1 || !slices.Equal(pod.Containers[0].Args, []string{want}) {
			t.Errorf("%s: container does not run `profdev %s`", name, want)
			continue
		}
		env := checkEnv(name, pod)
		settings = env
		shutdown, err := time.ParseDuration(env["SHUTDOWN_TIMEOUT"])
		if err != nil {
			t.Errorf("%s: SHUTDOWN_TIMEOUT %q: %v", name, env["SHUTDOWN_TIMEOUT"], err)
		}
		c := pod.Containers[0]
		var preStop time.Duration
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
			preStop = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
		}
		if pod.TerminationGracePeriodSeconds == nil || time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second <= preStop+shutdown {
			t.Errorf("%s: terminationGracePeriodSeconds must exceed preStop %v + SHUTDOWN_TIMEOUT %v", name, preStop, shutdown)
		}
		covered := false
		for _, p := range pdbs {
			if p.Spec.Selector != nil && mapsSubset(p.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
				covered = true
				if p.Spec.MinAvailable == nil || p.Spec.MinAvailable.IntValue() >= int(*d.Spec.Replicas) {
					t.Errorf("%s: PodDisruptionBudget %s must leave room for one disruption", name, p.Name)
				}
			}
		}
		if !covered {
			t.Errorf("%s: no PodDisruptionBudget selects its pods", name)
		}
		if want != "api" {
			continue
		}
		port := portOf(t, env["HTTP_ADDR"])
		if len(c.Ports) != 1 || c.Ports[0].ContainerPort != int32(port) || c.Ports[0].Name != "http" {
			t.Errorf("%s: containerPort %v, HTTP_ADDR says %d", name, c.Ports, port)
		}
		for probe, want := range map[string]*corev1.Probe{"/readyz": c.ReadinessProbe, "/healthz": c.LivenessProbe} {
			if want == nil || want.HTTPGet == nil || want.HTTPGet.Path != probe || want.HTTPGet.Port.String() != "http" {
				t.Errorf("%s: the %s probe must be GET %s on port http", name, map[string]string{"/readyz": "readiness", "/healthz": "liveness"}[probe], probe)
			}
			if !served(t, probe) {
				t.Errorf("the API does not serve %s", probe)
			}
		}
		if ann := d.Spec.Template.Annotations; ann["prometheus.io/path"] != "/metrics" || !served(t, "/metrics") || ann["prometheus.io/port"] != strconv.Itoa(port) {
			t.Errorf("%s: scrape annotations %v do not point at /metrics on %d", name, ann, port)
		}
		svc, ok := services[name]
		if !ok || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != "http" || !mapsSubset(svc.Spec.Selector, d.Spec.Template.Labels) {
			t.Errorf("%s: the Service must select the API pods and target port http", name)
		}
	}
	for _, k := range []string{"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "AUTH_ISSUER", "SMTP_HOST", "SIGNING_DIR"} {
		if settings[k] == "" {
			t.Errorf("%s is set neither in the ConfigMap nor in the Secret", k)
		}
	}
	var migrate, namespace bool
	for _, j := range jobs {
		pod := j.Spec.Template.Spec
		switch {
		case len(pod.Containers) == 1 && slices.Equal(pod.Containers[0].Args, []string{"migrate"}):
			migrate = true
			if checkEnv(j.Name, pod)["DATABASE_URL"] != "" {
				t.Errorf("%s: DATABASE_URL must come from the Secret", j.Name)
			}
		case strings.HasPrefix(pod.Containers[0].Image, "temporalio/admin-tools:"):
			namespace = true
			if tag := strings.TrimPrefix(pod.Containers[0].Image, "temporalio/admin-tools:"); tag != temporalServerVersion(t) {
				t.Errorf("%s: admin-tools %s, server is %s", j.Name, tag, temporalServerVersion(t))
			}
			if diff := cmp.Diff(workflows.SearchAttributes(), searchAttributesIn(t, strings.Join(pod.Containers[0].Args, "\n"))); diff != "" {
				t.Errorf("search attributes of %s (-workflows +job):\n%s", j.Name, diff)
			}
		}
	}
	if !migrate || !namespace {
		t.Errorf("jobs: migrate %v, namespace and search attributes %v; want both", migrate, namespace)
	}
}

func mapsSubset(sub, of map[string]string) bool {
	if len(sub) == 0 {
		return false
	}
	for k, v := range sub {
		if of[k] != v {
			return false
		}
	}
	return true
}

// TestTemporalHelmValues checks the values for Temporal's chart: the server release profdev
// is built with, PostgreSQL persistence and visibility in two databases, profdev's namespace.
func TestTemporalHelmValues(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("helm", "temporal-values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Server struct {
			Image  struct{ Tag string } `json:"image"`
			Config struct {
				Persistence struct {
					DefaultStore     string `json:"defaultStore"`
					VisibilityStore  string `json:"visibilityStore"`
					NumHistoryShards int    `json:"numHistoryShards"`
					Datastores       map[string]struct {
						SQL struct {
							PluginName   string `json:"pluginName"`
							DatabaseName string `json:"databaseName"`
						} `json:"sql"`
					} `json:"datastores"`
				} `json:"persistence"`
				Namespaces struct {
					Create    bool                    `json:"create"`
					Namespace []struct{ Name string } `json:"namespace"`
				} `json:"namespaces"`
			} `json:"config"`
		} `json:"server"`
		Admintools struct {
			Image struct{ Tag string } `json:"image"`
		} `json:"admintools"`
	}
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	tag := temporalServerVersion(t)
	if v.Server.Image.Tag != tag || v.Admintools.Image.Tag != tag {
		t.Errorf("server %q and admin-tools %q images, profdev is built with server %s", v.Server.Image.Tag, v.Admintools.Image.Tag, tag)
	}
	p := v.Server.Config.Persistence
	def, vis := p.Datastores[p.DefaultStore].SQL, p.Datastores[p.VisibilityStore].SQL
	if def.PluginName != "postgres12" || vis.PluginName != "postgres12" || def.DatabaseName == "" || def.DatabaseName == vis.DatabaseName {
		t.Errorf("persistence %+v and visibility %+v: want postgres12 in two databases", def, vis)
	}
	if p.NumHistoryShards < 1 {
		t.Error("numHistoryShards must be set (it cannot change after the first install)")
	}
	ns := v.Server.Config.Namespaces
	if !ns.Create || len(ns.Namespace) != 1 || ns.Namespace[0].Name != "profdev" {
		t.Errorf("namespaces %+v: want profdev created", ns)
	}
}
