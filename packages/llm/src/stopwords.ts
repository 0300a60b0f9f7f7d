/**
 * Function words that say nothing about a text's topic. English first, plus the commonest
 * German, French and Spanish ones so mixed-language batches still score sensibly.
 */
export const stopwords: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before ' +
    'being below between both but by can could did do does doing down during each few for from ' +
    'further had has have having he her here hers herself him himself his how i if in into is it ' +
    'its itself just me more most must my myself no nor not now of off on once only or other our ' +
    'ours ourselves out over own same she should so some such than that the their theirs them ' +
    'themselves then there these they this those through to too under until up very was we were ' +
    'what when where which while who whom why will with would you your yours yourself yourselves ' +
    'may might shall upon within without however thus therefore also yet one two three many much ' +
    'der die das und ist nicht ein eine einer eines dem den des mit von zu auf für im sich auch es ' +
    'le la les un une des et est pas du de en que qui dans pour sur au aux ce il elle ' +
    'el los las y es por con para una del al lo se su'
  ).split(' '),
);
