#!/usr/bin/perl
# One-off: rewrites the DESIGN.md / INTERFACE.md / API.md citations in src/, web/src/, test/,
# bench/ and scripts/ to the forms test/unit/docs-references.test.ts accepts, with the section
# names of docs/DESIGN.md and docs/INTERFACE.md (the map is docs/.reference-map.txt).
# Run from the repository root:  perl docs/.rewrite-citations.pl
# Then delete this file and docs/.reference-map.txt. Comment text only; nothing else changes.
use strict;
use warnings;
use File::Find;

my @roots = grep { -d } qw(src web/src test bench scripts);
my $skip = 'test/unit/docs-references.test.ts';
my @files;
find({ no_chdir => 1, wanted => sub {
  return if -d $_ || $File::Find::name =~ m{/node_modules/} || $File::Find::name eq $skip;
  push @files, $File::Find::name if /\.(ts|tsx|js|mjs|cjs|sh|sql|md|py|txt)$/;
} }, @roots);

my $changed = 0;
for my $file (@files) {
  open(my $in, '<', $file) or die "$file: $!";
  local $/;
  my $text = <$in>;
  close $in;
  next unless $text =~ /(?:DESIGN|INTERFACE|API)\.md/;
  my $before = $text;

  # Citations that name no section, or a name that is not a heading: the section they mean.
  $text =~ s{"identity unverified" \(DESIGN\.md\)}{"identity unverified" (docs/DESIGN.md, "Identity")}g;
  $text =~ s{LAN only \(DESIGN\.md\):}{LAN only (docs/DESIGN.md, "LAN only"):}g;
  $text =~ s{\(DESIGN\.md: a frozen camera hangs every call\)}{(docs/DESIGN.md, "Every camera call has a deadline": a frozen camera hangs every call)}g;
  $text =~ s{\(DESIGN\.md: every call needs a timeout\)}{(docs/DESIGN.md, "Every camera call has a deadline")}g;
  $text =~ s{\(the DHCP-swap scenario in DESIGN\.md\)}{(the DHCP-swap scenario of docs/DESIGN.md, "Identity")}g;
  $text =~ s{in the order of DESIGN\.md:}{in the order of docs/DESIGN.md, "Nothing lost":}g;
  $text =~ s{\(DESIGN\.md: staggered rotation\)}{(docs/DESIGN.md, "Nothing lost": staggered rotation)}g;
  $text =~ s{`node-rtsp-stream` \(DESIGN\.md\):}{`node-rtsp-stream` (docs/DESIGN.md, "Live view from the recorder's connection"):}g;
  $text =~ s{// DESIGN\.md: the browser cannot decode}{// docs/DESIGN.md, "Live view from the recorder's connection": the browser cannot decode}g;
  $text =~ s{DESIGN\.md "fluent-ffmpeg"}{docs/DESIGN.md, "Recorders spawn ffmpeg directly"}g;
  $text =~ s{DESIGN\.md \("LAN only"\) forbids}{docs/DESIGN.md, "LAN only", forbids}g;
  $text =~ s{docs/DESIGN\.md §House\)}{docs/DESIGN.md §House rules)}g;
  $text =~ s{\(INTERFACE\.md "Cameras can also be adopted"\)}{(docs/INTERFACE.md, "Cameras from the file and from the UI")}g;
  $text =~ s{\(INTERFACE\.md: `streams:` is}{(docs/INTERFACE.md, "Configuration": `streams:` is}g;
  $text =~ s{\(INTERFACE\.md `state`\)}{(docs/INTERFACE.md, "Camera states")}g;
  $text =~ s{Keys mirror INTERFACE\.md;}{Keys mirror docs/INTERFACE.md, "Configuration";}g;
  $text =~ s{`GET /metrics` \(INTERFACE\.md\):}{`GET /metrics` (docs/INTERFACE.md, "HTTP API"):}g;
  $text =~ s{\(src/http/routes/\*, API\.md\)}{(src/http/routes/*, src/http/API.md)}g;
  $text =~ s{src/http/API\.md "Administration"\)}{src/http/API.md, "Administration (admin role)")}g;

  # Every other citation: the path from the repository root, and a comma before a quoted section.
  $text =~ s{(?<![\w/.-])(DESIGN|INTERFACE)\.md\b}{docs/$1.md}g;
  $text =~ s{(docs/(?:DESIGN|INTERFACE)\.md) "}{$1, "}g;

  next if $text eq $before;
  open(my $out, '>', $file) or die "$file: $!";
  print $out $text;
  close $out;
  $changed++;
  print "rewrote $file\n";
}
print "$changed files rewritten\n";
