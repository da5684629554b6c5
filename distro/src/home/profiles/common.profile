# Bundles every profile runs: Declarative Services, Configuration Admin, FileInstall, Gogo and the
# Orchion API and shell. One bundle symbolic name per line; "include NAME" pulls in another profile;
# "ready NAME" makes the launcher wait for that part before it reports the instance ready.
org.apache.felix.log
org.apache.felix.configadmin
org.apache.felix.fileinstall
org.osgi.util.function
org.osgi.util.promise
org.osgi.service.component
org.apache.felix.scr
org.apache.felix.gogo.runtime
org.apache.felix.gogo.command
io.orchion.logging
io.orchion.api
io.orchion.shell
