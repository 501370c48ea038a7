package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"
)

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
