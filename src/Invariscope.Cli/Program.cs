using Invariscope.Cli;

return CliApp.Run(args);
