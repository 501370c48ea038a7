package deploy

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/profdev/profdev/workflows"
)

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
