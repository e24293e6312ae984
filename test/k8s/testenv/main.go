// Command testenv is one multi-call binary holding a Kubernetes control plane for
// tests: etcd, kube-apiserver, kube-controller-manager and kubectl of one release.
// Linking them together compiles the shared Kubernetes packages once, which saves
// time and disk on small machines. Usage: testenv <component> [flags...], or call it
// through a link named after the component (kubectl -> testenv).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	kubectl "k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

var components = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kubectl"}

func main() {
	component := filepath.Base(os.Args[0])
	if !slices.Contains(components, component) {
		if len(os.Args) < 2 {
			fmt.Fprintln(os.Stderr, "usage: testenv etcd|kube-apiserver|kube-controller-manager|kubectl [flags...]")
			os.Exit(2)
		}
		component = os.Args[1]
		// Each component parses os.Args as if it were its own program.
		os.Args = append([]string{component}, os.Args[2:]...)
	}
	switch component {
	case "etcd":
		etcdmain.Main(os.Args)
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kubectl":
		if err := cli.RunNoErrOutput(kubectl.NewDefaultKubectlCommand()); err != nil {
			util.CheckErr(err)
		}
	default:
		fmt.Fprintf(os.Stderr, "testenv: unknown component %q\n", component)
		os.Exit(2)
	}
}
