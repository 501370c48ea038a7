package deploy

import (
	"bytes"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/profdev/profdev/workflows"
)

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
