package collector

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// jaegerV2 pairs the Jaeger module version the demo builds (Makefile
// JAEGER_VERSION) with the v2 image tag of the same release (Jaeger's
// CHANGELOG: "v1.76.0 / v2.13.0").
var jaegerV2 = map[string]string{"v1.76.0": "2.13.0"}

// TestComposeFile loads docker-compose.yml with the Compose specification's
// own parser, since no Docker engine runs here to try it.
func TestComposeFile(t *testing.T) {
	wd, _ := filepath.Abs("..")
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  wd,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(wd, "docker-compose.yml")}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("otelcli", true) })
	if err != nil {
		t.Fatal(err)
	}
	col, ok := p.Services["collector"]
	if !ok {
		t.Fatal("no collector service")
	}
	jae, ok := p.Services["jaeger"]
	if !ok {
		t.Fatal("no jaeger service")
	}

	manifest, _ := os.ReadFile("builder-config.yaml")
	built := regexp.MustCompile(`(?m)^\s*version:\s*(\S+)`).FindSubmatch(manifest)
	if built == nil || col.Image != "otel/opentelemetry-collector-contrib:"+string(built[1]) {
		t.Errorf("collector image %q does not match the built version %q", col.Image, built[1])
	}
	makefile, _ := os.ReadFile("../Makefile")
	jv := regexp.MustCompile(`(?m)^JAEGER_VERSION := (\S+)`).FindSubmatch(makefile)
	if jv == nil || jae.Image != "jaegertracing/jaeger:"+jaegerV2[string(jv[1])] {
		t.Errorf("jaeger image %q does not pair with the demo's Jaeger %s", jae.Image, jv[1])
	}

	ports := map[string]map[uint32]string{}
	for name, svc := range p.Services {
		ports[name] = map[uint32]string{}
		for _, port := range svc.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %d bound to %q, not localhost", name, port.Target, port.HostIP)
			}
			ports[name][port.Target] = port.Published
		}
	}
	for _, want := range []uint32{4317, 4318, 13133, 8889} {
		if _, ok := ports["collector"][want]; !ok {
			t.Errorf("collector does not publish %d", want)
		}
	}
	if ports["jaeger"][16686] != "16686" {
		t.Errorf("jaeger UI not on 16686: %v", ports["jaeger"])
	}

	var mounted bool
	for _, v := range col.Volumes {
		if v.Source == filepath.Join(wd, "collector", "config.yaml") && v.ReadOnly &&
			slices.Contains(col.Command, "--config="+v.Target) {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("collector does not run the mounted collector/config.yaml: %v %v", col.Volumes, col.Command)
	}
	if !slices.Contains(col.Command, featureGates) {
		t.Errorf("collector runs without %s, which config.yaml needs: %v", featureGates, col.Command)
	}
	if col.Environment["JAEGER_ENDPOINT"] == nil || !strings.HasPrefix(*col.Environment["JAEGER_ENDPOINT"], "jaeger:") {
		t.Error("collector does not export to the jaeger service")
	}
	if _, ok := col.DependsOn["jaeger"]; !ok {
		t.Error("collector does not depend on jaeger")
	}
}
