# Publishes a trained model to the model store atomically: the release's
# files go into releases/RELEASE first, then one rename points current at it,
# so a reader (fetch.sh, a cron job) sees the old set or the new, never a mix.
# usage: publish.sh STORE RELEASE CLEAN_PARAMS FEATURES_PARAMS MODEL
set -eu
store=$1 release=$2
mkdir -p "$store/releases"
dir=$store/releases/$release
[ ! -e "$dir" ] || { echo "$0: $dir exists: release names are used once" >&2; exit 4; }
tmp=$store/releases/.$release.tmp
rm -rf "$tmp"
mkdir "$tmp"
cp "$3" "$tmp/clean.params"
cp "$4" "$tmp/features.params"
cp "$5" "$tmp/model"
mv "$tmp" "$dir"
rm -f "$store/.current.tmp"
ln -s "releases/$release" "$store/.current.tmp"
mv -T "$store/.current.tmp" "$store/current"
echo "$0: $store/current is release $release"
